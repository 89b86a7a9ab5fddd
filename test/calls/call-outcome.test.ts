import { describe, expect, it } from 'vitest';
import { callOutcome, type OutcomeKind } from '../../src/calls/call-outcome.js';
import { deriveStatus, type CallFacts } from '../../src/calls/call-state.js';
import { callStatusView } from '../../src/calls/call-view.js';
import { historyRowView } from '../../src/calls/history-view.js';
import { callRecord } from './helpers/call-record.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const answered = { parentSid: 'CA' + 'a'.repeat(32), ringingAt: at(1), answeredAt: at(3) };
const dialled = { ...answered, confirmedAt: at(6), confirmDigits: '1', dialStartedAt: at(6), childSid: 'CA' + 'b'.repeat(32) };
const bridged = (talk: number, extra: object = {}) => ({
  ...dialled, bridgedAt: at(9), dialStatus: 'completed', bridgedSeconds: talk, parentEndedAt: at(9 + talk), parentFinalStatus: 'completed', firstLegSeconds: talk + 6, ...extra,
});

/** Every way a call ends: the facts its webhooks leave, the outcome, and the sentence the user reads. */
const cases: Array<{ name: string; facts: object; kind: OutcomeKind; label: string; sentence: string }> = [
  { name: 'your phone not answered', facts: { parentSid: answered.parentSid, ringingAt: at(1), parentEndedAt: at(35), parentFinalStatus: 'no-answer', firstLegSeconds: 0 }, kind: 'your-phone-not-answered', label: 'Your phone did not answer', sentence: 'Your phone was not answered, so we did not ring the number you called. Nothing is charged.' },
  { name: 'you declined', facts: { parentSid: answered.parentSid, ringingAt: at(1), parentEndedAt: at(4), parentFinalStatus: 'declined', firstLegSeconds: 0 }, kind: 'your-phone-declined', label: 'You declined', sentence: 'You declined the call on your phone. Nothing is charged.' },
  { name: 'your voicemail', facts: { ...answered, confirmDigits: '', parentEndedAt: at(12), parentFinalStatus: 'completed', firstLegSeconds: 9 }, kind: 'your-voicemail', label: 'Your voicemail answered', sentence: 'Your voicemail answered, so we did not connect the call. Nothing is charged.' },
  { name: 'your phone busy', facts: { parentSid: answered.parentSid, parentEndedAt: at(1), parentFinalStatus: 'busy', firstLegSeconds: 0 }, kind: 'your-phone-busy', label: 'Your phone was busy', sentence: 'Your phone was busy, so we could not connect the call. Nothing is charged.' },
  { name: 'your phone failed', facts: { parentSid: answered.parentSid, parentEndedAt: at(1), parentFinalStatus: 'failed', firstLegSeconds: 0 }, kind: 'your-phone-failed', label: 'Your phone unreachable', sentence: 'We could not reach your phone. Nothing is charged.' },
  { name: 'the destination busy', facts: { ...dialled, dialStatus: 'busy', bridgedSeconds: 0, parentEndedAt: at(8), parentFinalStatus: 'completed', firstLegSeconds: 5 }, kind: 'destination-busy', label: 'Number busy', sentence: 'The number you called was busy. Nothing is charged.' },
  { name: 'the destination not answered', facts: { ...dialled, dialStatus: 'no-answer', bridgedSeconds: 0, parentEndedAt: at(42), parentFinalStatus: 'completed', firstLegSeconds: 39 }, kind: 'destination-not-answered', label: 'No answer', sentence: 'The number you called did not answer. Nothing is charged.' },
  { name: 'the destination failed', facts: { ...dialled, dialStatus: 'failed', bridgedSeconds: 0, parentEndedAt: at(8), parentFinalStatus: 'completed', firstLegSeconds: 5 }, kind: 'destination-failed', label: 'Number unreachable', sentence: 'The number you called could not be reached. Nothing is charged.' },
  { name: 'you hung up', facts: bridged(75, { endedBy: 'you', hangupRequestedAt: at(84) }), kind: 'you-hung-up', label: 'You hung up', sentence: 'You hung up after 1 min 15 s.' },
  { name: 'your phone hung up', facts: bridged(75, { endedBy: 'your-phone' }), kind: 'you-hung-up', label: 'You hung up', sentence: 'You hung up after 1 min 15 s.' },
  { name: 'they hung up', facts: bridged(75, { endedBy: 'destination' }), kind: 'they-hung-up', label: 'They hung up', sentence: 'The person you called hung up after 1 min 15 s.' },
  { name: 'the credit ran out', facts: bridged(111, { endedBy: 'credit', hangupRequestedAt: at(120), talkLimitS: 111 }), kind: 'credit-ran-out', label: 'Credit ran out', sentence: 'Your credit ran out after 1 min 51 s, so we ended the call.' },
  { name: "Twilio's own limit cut it", facts: bridged(110, { endedBy: 'destination', talkLimitS: 111 }), kind: 'credit-ran-out', label: 'Credit ran out', sentence: 'Your credit ran out after 1 min 50 s, so we ended the call.' },
  { name: 'an administrator ended it', facts: bridged(40, { endedBy: 'admin', hangupRequestedAt: at(49) }), kind: 'ended-by-admin', label: 'Ended by an administrator', sentence: 'An administrator ended the call after 40 s.' },
  { name: 'Twilio unreachable', facts: { status: 'failed', failureReason: 'The call never reached our phone provider. Nothing was charged.' }, kind: 'twilio-unreachable', label: 'Not placed', sentence: 'The call never reached our phone provider. Nothing was charged.' },
];

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
    });
  }
});
