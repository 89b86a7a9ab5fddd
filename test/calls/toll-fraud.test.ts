import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom, emailedLink, followConfirmLink } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, HEADER, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

/**
 * Finding 2 of issue 26 through the whole product and the Twilio simulator: an account whose "own phone" is a
 * number someone is paid to terminate calls a number that never answers, again and again, for a simulated day.
 * What Twilio bills us is read from the simulator's own call prices (its deck's cost column), not from our books.
 */

/** A German mobile as the fraudster's "own phone": its leg costs us 0.14 a minute, just under the 0.15 cap. */
const FRAUD_PHONE = '+4915112345678';
const DECK = [
  HEADER,
  'US,United States,1,United States,0.01,0.005,60,60,0,0,true',
  'GB,United Kingdom,44,United Kingdom,0.10,0.05,60,60,0,0,true',
  'DE,Germany,49,Germany,0.16,0.14,60,60,0,0,true',
].join('\n');
const MAX_DAILY_LOSS = 500_000;
const MINUTE = 60_000;

function deckFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fraud-deck-')), 'rates.csv');
  writeFileSync(file, DECK);
  return file;
}

let h: CallHarness;
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

/** The day's counters start at midnight UTC: each run begins at 00:05 of the next day, whenever it runs. */
function startOfNextDay() {
  const now = h.clock.now();
  h.clock.advance(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 5) - now.getTime());
}

async function setOwnPhone(phone: string) {
  await h.testDb.db('users').where({ id: h.userId }).update({ phone_e164: phone });
}

/** What Twilio billed us for every leg of the run, in micros (the simulator's prices are negative decimals). */
function billedByTwilio(): number {
  return h.sim.control.calls().reduce((sum, leg) => sum + (leg.price ? Math.round(Math.abs(Number(leg.price)) * 1_000_000) : 0), 0);
}

async function userCalls() {
  return h.testDb.db('calls').where({ user_id: h.userId }).select<{ cost_micros: string | number | null; uncollected_cost_micros: string | number | null; bridged_seconds: number | null }[]>('cost_micros', 'uncollected_cost_micros', 'bridged_seconds');
}

async function heldState() {
  return h.testDb.db('users').where({ id: h.userId }).first<{ held_at: string | null; held_reason: string | null }>('held_at', 'held_reason');
}

/** A second account, made an admin, logged in. */
async function adminAgent() {
  const agent = request.agent(h.baseUrl);
  const form = await agent.get('/signup');
  const email = `admin-${Math.random().toString(36).slice(2)}@example.com`;
  await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Admin', email, password: 'correct horse battery' });
  await followConfirmLink(agent, await emailedLink(h.built, email, '/confirm-email'));
  await h.testDb.db('users').where({ email }).update({ role: 'admin' });
  return agent;
}

/** Starts a call and waits until it is settled; the refusal's text when it was refused. */
async function attempt(to = DESTINATION): Promise<{ placed: true } | { placed: false; text: string }> {
  const { res, id } = await startCall(h, to);
  if (!id) return { placed: false, text: res.text };
  await h.waitForCall(id, (c) => c.settledAt !== null);
  await h.sim.control.waitForIdle(10_000);
  return { placed: true };
}

describe('the toll-fraud loop of finding 2 (own phone paid per minute, a destination that never answers)', () => {
  it('run for a simulated day costs us at most $0.50 and puts the account on hold', async () => {
    h = await startCallHarness({ creditMicros: 5_000_000, confirmAnswer: true, deck: DECK, simRateDeckFile: deckFile() });
    await setOwnPhone(FRAUD_PHONE);
    h.sim.control.setBehaviour(DESTINATION, { kind: 'no-answer' });
    startOfNextDay();

    let placed = 0;
    let refusedText = '';
    const dayEnds = h.clock.now().getTime() + 24 * 60 * MINUTE;
    for (let i = 0; h.clock.now().getTime() < dayEnds; i++) {
      // Half the attempts press 1 (the destination then rings out), half never press the guard's key.
      h.sim.control.setBehaviour(FRAUD_PHONE, i % 2 === 0 ? { kind: 'answer', answerAfterS: 1, digits: '1' } : { kind: 'voicemail', answerAfterS: 1 });
      const result = await attempt();
      if (result.placed) placed++;
      else refusedText = result.text;
      // As fast as the loop can go (about every 45 s) while calls go through; once refused, a try every 10 minutes.
      h.clock.advance(result.placed ? 45_000 : 10 * MINUTE);
    }

    const calls = await userCalls();
    const charged = calls.reduce((sum, c) => sum + Number(c.cost_micros ?? 0), 0);
    const uncollected = calls.reduce((sum, c) => sum + Number(c.uncollected_cost_micros ?? 0), 0);
    const billed = billedByTwilio();
    if (process.env.FRAUD_TEST_LOG) console.log({ placed, billed, charged, uncollected, held: await heldState() });
    expect(calls.every((c) => !c.bridged_seconds)).toBe(true);
    expect(placed).toBeGreaterThan(3);
    expect(placed).toBeLessThanOrEqual(10);
    // What Twilio billed us and we did not charge: the free unanswered attempts' own legs only.
    expect(billed).toBeGreaterThan(0);
    expect(billed - charged).toBeLessThanOrEqual(MAX_DAILY_LOSS);
    expect(uncollected).toBeLessThanOrEqual(MAX_DAILY_LOSS);
    expect(uncollected).toBeGreaterThan(0);
    const held = await heldState();
    expect(held?.held_at).not.toBeNull();
    expect(held?.held_reason).toMatch(/not connected/);
    expect(refusedText).toContain('on hold');
    const audit = await h.testDb.db('audit_log').where({ action: 'user.hold', subject: `user ${h.userId}` });
    expect(audit).toHaveLength(1);

    // An admin sees why, and can lift the hold (with its audit row); the account may then call again.
    const admin = await adminAgent();
    const list = await admin.get('/admin/users?status=held');
    expect(list.text).toContain(h.email);
    expect((await admin.get('/admin/users?status=disabled')).text).not.toContain(h.email);
    const page = await admin.get(`/admin/users/${h.userId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('On hold for review');
    expect(page.text).toContain('10 calls in a day were not connected');
    const lift = await admin.post(`/admin/users/${h.userId}/hold/lift`).type('form').send({ _csrf: csrfTokenFrom(page.text) });
    expect(lift.status).toBe(303);
    expect((await heldState())?.held_at).toBeNull();
    expect(await h.testDb.db('audit_log').where({ action: 'user.hold_lifted', subject: `user ${h.userId}` })).toHaveLength(1);
    h.sim.control.setBehaviour(FRAUD_PHONE, { kind: 'answer', answerAfterS: 1, digits: '1' });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 20 });
    expect(await attempt()).toEqual({ placed: true });
  }, 120_000);
});

describe('an honest user', () => {
  it('making 20 calls a day, four of them unanswered, is never refused or held', async () => {
    h = await startCallHarness({ creditMicros: 20_000_000, confirmAnswer: true, deck: DECK, simRateDeckFile: deckFile() });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2, digits: '1' });
    startOfNextDay();
    const destinations = Array.from({ length: 8 }, (_, i) => `+4420794609${50 + i}`);
    for (let i = 0; i < 20; i++) {
      const to = destinations[i % destinations.length]!;
      const unanswered = i % 5 === 4;
      h.sim.control.setBehaviour(to, unanswered ? { kind: 'no-answer' } : { kind: 'answer', answerAfterS: 3, hangupAfterS: 30 + i * 7 });
      const result = await attempt(to);
      expect(result).toEqual({ placed: true });
      // Bursts in the morning and the evening, some calls minutes apart.
      h.clock.advance((i % 4 === 3 ? 150 : 12) * MINUTE);
    }
    const held = await heldState();
    expect(held?.held_at).toBeNull();
    const calls = await userCalls();
    expect(calls).toHaveLength(20);
    const unansweredCharged = calls.filter((c) => !c.bridged_seconds && Number(c.cost_micros) > 0);
    // Three unanswered attempts a day are free; the fourth pays its own leg (a started minute at 0.01).
    expect(unansweredCharged.map((c) => Number(c.cost_micros))).toEqual([10_000]);
  }, 120_000);
});
