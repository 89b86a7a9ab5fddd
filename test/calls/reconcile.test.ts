import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcileOpenHolds } from '../../src/calls/reconcile.js';
import { fetchCallOutcome, hangUpCall } from '../../src/calls/twilio-calls.js';
import { ManualClock } from '../../src/clock.js';
import { appJobHandlers } from '../../src/jobs/handlers.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { moneyServices, type MoneyServices } from '../../src/wallet/money-services.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { startReceiver, type Receiver } from '../sim/helpers/receiver.js';
import { tariff } from '../wallet/setup.js';

const USER_PHONE = '+15005550100'; // simulator: answers after 3 s and stays on the line
const DESTINATION = '+15005550110'; // simulator: answers after 2 s, hangs up 10 s later
const logger = pino({ level: 'silent' });

let sim: RunningSimulator;
let receiver: Receiver;
let t: TestDb;
let money: MoneyServices;
let userId: number;

beforeEach(async () => {
  sim = await startSimulator({ port: 0, speed: 200 });
  receiver = await startReceiver(sim.authToken);
  receiver.respond('/twiml', `<?xml version="1.0"?><Response><Dial timeLimit="600"><Number>${DESTINATION}</Number></Dial></Response>`);
  t = await createTestDb();
  money = moneyServices({ db: t.db, clock: new ManualClock(), money: { currency: 'USD', lowBalanceThresholdMicros: 0, freeMinutesPerMonth: 0 } });
  const [row] = await t.db('users').insert({ email: 'u@example.com', name: 'U', password_hash: 'x', role: 'user', created_at: 'now', updated_at: 'now' }).returning('id');
  userId = Number((row as { id: number }).id ?? row);
  await money.wallet.credit(userId, { kind: 'grant', amountMicros: 10_000_000, description: 'test credit' });
});
afterEach(async () => {
  await expectLedgerConsistent(t.db);
  await sim.close();
  await receiver.close();
  await t.destroy();
});

function client() {
  return createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
}

async function placeCall(to = USER_PHONE): Promise<string> {
  const call = await client().calls.create({ to, from: sim.callerId, url: receiver.url('/twiml') });
  await money.callCredit.hold({ userId, callSid: call.sid, maxSeconds: 600, tariffs: { first: tariff(100_000, { prefix: '1' }), bridged: tariff(200_000, { prefix: '1' }) } });
  return call.sid;
}

describe('calls whose final callback never came', () => {
  it('are settled from Twilio’s own durations, both legs billed, exactly once', async () => {
    const sid = await placeCall();
    await sim.control.waitForIdle(20_000);
    const outcome = await fetchCallOutcome(client(), sid);
    expect(outcome).toEqual({ state: 'over', firstLegSeconds: expect.any(Number), bridgedSeconds: 10 });
    if (outcome.state !== 'over') throw new Error('unreachable');
    expect(outcome.firstLegSeconds).toBeGreaterThanOrEqual(10);

    const future = new Date(Date.now() + 3600_000);
    expect(await reconcileOpenHolds({ callCredit: money.callCredit, client: client(), logger, olderThan: future })).toEqual({ settled: 1, stillLive: 0, skipped: 0 });
    // First leg: up to 60 s at 0.10/min; bridged leg: 10 s billed as a minute at 0.20/min.
    const after = await money.wallet.summary(userId);
    expect(after.balanceMicros).toBe(10_000_000 - 100_000 - 200_000);
    expect(await reconcileOpenHolds({ callCredit: money.callCredit, client: client(), logger, olderThan: future })).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    expect((await money.wallet.summary(userId)).balanceMicros).toBe(after.balanceMicros);
  });

  it('leave live calls alone, release holds for calls that never connected, skip holds without a Twilio SID', async () => {
    const live = await placeCall('+15005550111'); // unknown number: rings until a person answers on the handset page
    const busy = await placeCall('+15005550200');
    await money.callCredit.hold({ userId, callSid: 'our-own-id-1', maxSeconds: 600, tariffs: { first: tariff(100_000), bridged: tariff(100_000) } });
    await sim.control.waitFor(() => sim.control.calls().some((c) => c.sid === busy && c.status === 'busy'), 10_000);
    const report = await reconcileOpenHolds({ callCredit: money.callCredit, client: client(), logger, olderThan: new Date(Date.now() + 3600_000) });
    expect(report).toEqual({ settled: 1, stillLive: 1, skipped: 1 });
    expect((await money.callCredit.openHolds()).map((h) => h.callSid).sort()).toEqual([live, 'our-own-id-1'].sort());
    expect((await money.wallet.summary(userId)).balanceMicros).toBe(10_000_000);
    await hangUpCall(client(), live);
  });

  it('hangs up a live call, and treats an ended or unknown call as already over', async () => {
    const live = await placeCall('+15005550111');
    await sim.control.waitFor(() => sim.control.calls().some((c) => c.sid === live && c.status === 'ringing'), 10_000);
    expect(await hangUpCall(client(), live)).toBe('ended');
    await sim.control.waitForIdle(20_000);
    expect(sim.control.calls().find((c) => c.sid === live)?.status).toBe('canceled');
    // Repeating the hangup (a re-run job) must not throw, whatever Twilio answers for an ended call.
    await expect(hangUpCall(client(), live)).resolves.toMatch(/ended|already-over/);
    expect(await hangUpCall(client(), `CA${'0'.repeat(32)}`)).toBe('already-over');
  });
});

describe('hold expiry', () => {
  it('releases a hold that is still open and leaves a settled one as it is', async () => {
    const handlers = appJobHandlers({
      telephony: { client: client(), authToken: sim.authToken, callerId: sim.callerId, verifyServiceSid: undefined, simulated: true },
      money,
      logger,
      clock: new ManualClock(),
    });
    await money.callCredit.hold({ userId, callSid: 'hold-a', maxSeconds: 600, tariffs: { first: tariff(100_000), bridged: tariff(100_000) } });
    await money.callCredit.hold({ userId, callSid: 'hold-b', maxSeconds: 600, tariffs: { first: tariff(100_000), bridged: tariff(100_000) } });
    await money.callCredit.settle({ callSid: 'hold-b', firstLegSeconds: 30, bridgedSeconds: 20 });
    const settledBalance = (await money.wallet.summary(userId)).balanceMicros;
    await handlers.expireHold!('hold-a');
    await handlers.expireHold!('hold-b');
    expect(await money.callCredit.isOpen('hold-a')).toBe(false);
    expect((await money.wallet.summary(userId)).balanceMicros).toBe(settledBalance);
    expect(await money.callCredit.openHolds()).toEqual([]);
  });
});
