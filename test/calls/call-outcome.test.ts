import { describe, expect, it } from 'vitest';
import { callOutcome } from '../../src/calls/call-outcome.js';
import { deriveStatus, type CallFacts } from '../../src/calls/call-state.js';
import { callStatusView } from '../../src/calls/call-view.js';
import { historyRowView } from '../../src/calls/history-view.js';
import { callRecord } from './helpers/call-record.js';
import { at, outcomeCases as cases, T0 } from './helpers/outcome-cases.js';
import { adminCallStatus } from '../../src/admin/calls/admin-call-words.js';

describe('one outcome, one true sentence', () => {
  for (const c of cases) {
    it(`${c.name}: "${c.sentence}" on the call page and in history`, () => {
      const raw = callRecord({ talkLimitS: 600, ...c.facts });
      const derived = deriveStatus(raw as unknown as CallFacts);
      const call = { ...raw, status: derived.status, settledAt: at(200), costMicros: 0 };
      expect(callOutcome(call)).toMatchObject({ kind: c.kind, label: c.label, sentence: c.sentence });
      const page = callStatusView(call, { now: new Date(T0 + 300_000), currency: 'USD', csrfToken: 'x' });
      expect(page).toMatchObject({ headline: c.label, detail: c.sentence });
      expect(page.link).toEqual(c.kind === 'credit-ran-out' ? { href: '/wallet', text: 'Add credit' } : null);
      expect(historyRowView(call, 'USD')).toMatchObject({ status: c.label, outcome: c.sentence });
      // Admins read the same outcome in words, said of the user, never as a status code.
      expect(adminCallStatus(call)).toMatch(/^[A-Z][a-z' ]+[a-z](: Twilio unreachable)?$/);
    });
  }
});
