import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchCallOutcome, hangUpCall } from '../../src/calls/twilio-calls.js';
import { ManualClock } from '../../src/clock.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { moneyServices, type MoneyServices } from '../../src/calls/money-services.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { startReceiver, type Receiver } from '../sim/helpers/receiver.js';
import { tariff } from '../wallet/setup.js';

const USER_PHONE = '+15005550100'; // simulator: answers after 3 s and stays on the line
const DESTINATION = '+15005550110'; // simulator: answers after 2 s, hangs up 10 s later

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

describe('Twilio call helpers', () => {
  it('fetchCallOutcome reads both legs\' durations from Twilio', async () => {
    const sid = await placeCall();
    await sim.control.waitForIdle(20_000);
    const outcome = await fetchCallOutcome(client(), sid);
    expect(outcome).toEqual({ state: 'over', firstLegSeconds: expect.any(Number), bridgedSeconds: 10 });
    expect(await fetchCallOutcome(client(), `CA${'0'.repeat(32)}`)).toEqual({ state: 'unknown' });
    await money.callCredit.release(sid);
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

