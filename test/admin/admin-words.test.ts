import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { insertCalls } from '../calls/helpers/call-rows.js';

/** Ids the call pages accept (base32 letters and 2-7). */
const callId = (n: number) => `cl_${'a'.repeat(19)}${'bcd'[n - 1]}`;
import { adminAgent } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** What a person sees: tags dropped, whitespace collapsed. */
const visible = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

describe('admin pages say things in words', () => {
  it('a finished call shows what was charged (not what was held), its outcome in words; the user page names ledger kinds and the account id', async () => {
    const { agent } = await adminAgent(t);
    await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first())!.id);
    await t.services.money.wallet.credit(ada, { kind: 'grant', amountMicros: 5_000_000, description: 'Welcome' });
    const base = Date.parse('2026-11-01T10:00:00Z');
    await insertCalls(t.testDb.db, [
      { id: callId(1), userId: ada, createdAt: new Date(base).toISOString(), status: 'not-answered', bridgedSeconds: 0, costMicros: 0 },
      { id: callId(2), userId: ada, createdAt: new Date(base + 60_000).toISOString(), status: 'destination-unanswered', bridgedSeconds: 0, costMicros: 0 },
      { id: callId(3), userId: ada, createdAt: new Date(base + 120_000).toISOString(), bridgedSeconds: 60, costMicros: 286_200 },
    ]);
    await t.testDb.db('calls').where({ id: callId(1) }).update({ parent_final_status: 'no-answer' });
    await t.testDb.db('calls').where({ id: callId(2) }).update({ dial_status: 'no-answer', bridged_seconds: 0 });
    await t.testDb.db('calls').where({ id: callId(3) }).update({ bridged_at: new Date(base + 130_000).toISOString(), ended_by: 'destination' });

    const list = visible((await agent.get('/admin/calls')).text);
    expect(list).toContain("User's phone did not answer");
    expect(list).toContain('Number called did not answer');
    expect(list).toContain('Number called hung up');

    const call = visible((await agent.get(`/admin/calls/${callId(3)}`)).text);
    expect(call).toContain('Status Number called hung up');
    expect(call).toContain('Charged $0.2862');
    expect(call).not.toContain('Held');

    const user = visible((await agent.get(`/admin/users/${ada}`)).text);
    expect(user).toContain('Account ID');
    expect(user).toContain('Credit granted');
    expect(user).not.toMatch(/\bgrant\b|call_charge|not-answered/);
    expect(user).toContain("User's phone did not answer");
  });

  it('no verify-phone banner for an admin on the console; the user pages still show it', async () => {
    const { agent } = await adminAgent(t);
    expect((await agent.get('/admin')).text).not.toContain('banner-verify-phone');
    expect((await agent.get('/admin/calls')).text).not.toContain('banner-verify-phone');
    expect((await agent.get('/wallet')).text).toContain('banner-verify-phone');
  });
});
