import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { deriveStatus, type CallFacts } from '../../src/calls/call-state.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { callRecord } from './helpers/call-record.js';
import { insertCalls } from './helpers/call-rows.js';
import { at, outcomeCases } from './helpers/outcome-cases.js';

/**
 * Every outcome as the user sees it: the call page and the history row rendered by the app from a call row with
 * the facts that outcome's webhooks leave, read as text (tags dropped).
 */

let t: TestApp;
let agent: Awaited<ReturnType<typeof signedUpAgent>>['agent'];
let userId: number;
beforeAll(async () => {
  t = await createTestApp();
  ({ agent } = await signedUpAgent(t));
  userId = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first()).id);
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  await t.testDb.db('calls').where({ user_id: userId }).delete();
});

const visible = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const DIALLED = /Dialling \+44 20 7946 0958/;

describe('each outcome, rendered', () => {
  outcomeCases.forEach((c, i) => {
    it(`${c.name}: the call page and the history row say "${c.label}" and "${c.sentence}"`, async () => {
      const facts = callRecord({ talkLimitS: 600, ...c.facts });
      const { status } = deriveStatus(facts as unknown as CallFacts);
      const id = `cl_${'a'.repeat(18)}${'abcdefghijklmnopqrstuvwxyz'[i]}a`;
      await insertCalls(t.testDb.db, [{ id, userId, createdAt: at(0), status, bridgedSeconds: facts.bridgedSeconds ?? 0, costMicros: 0 }]);
      const columns = Object.fromEntries(Object.entries(c.facts).map(([key, value]) => [snake(key), value]));
      await t.testDb.db('calls').where({ id }).update({ ...columns, status, talk_limit_s: facts.talkLimitS, ended_at: facts.parentEndedAt ?? at(1) });

      const page = await agent.get(`/calls/${id}`);
      expect(page.status).toBe(200);
      const text = visible(page.text);
      expect(text).toContain(`${c.label}`);
      expect(text).toContain(c.sentence);
      if (c.kind === 'credit-ran-out') expect(page.text).toContain('<a href="/wallet">Add credit</a>');
      // The timeline lists only what happened: no leg to the number that was never dialled, no raw event names.
      const timeline = visible(/<ol class="call-timeline">([\s\S]*?)<\/ol>/.exec(page.text)?.[1] ?? '');
      expect(timeline).toContain('You placed the call');
      if ('dialStartedAt' in c.facts) expect(timeline).toMatch(DIALLED);
      else expect(timeline).not.toMatch(DIALLED);
      expect(timeline).not.toMatch(/Twilio|in-progress|no-answer|completed/);

      const history = visible((await agent.get('/calls')).text);
      expect(history).toContain(c.label);
      expect(history).toContain(c.sentence);
    });
  });
});
