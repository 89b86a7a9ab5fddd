import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { legCost } from '../../src/rating/leg-cost.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 5_000_000;

let h: CallHarness;
beforeEach(async () => {
  h = await startCallHarness({ creditMicros: CREDIT });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

async function balance(): Promise<number> {
  return (await h.built.services.money.wallet.summary(h.userId)).balanceMicros;
}

async function ledgerKinds(): Promise<string[]> {
  return (await h.built.services.money.wallet.ledger(h.userId)).entries.map((e) => `${e.kind}:${e.amountMicros}`);
}

/** The settled call, and what the simulator (Twilio) says each leg lasted. */
async function finished(id: string) {
  const call = await h.waitForCall(id, (c) => c.settledAt !== null);
  await h.sim.control.waitForIdle(10_000);
  const legs = h.sim.control.calls();
  const parent = legs.find((l) => l.sid === call.parentSid);
  const child = legs.find((l) => l.parent_call_sid === call.parentSid);
  return { call, parent, child };
}

function expectedCharge(firstLegSeconds: number, bridgedSeconds: number): number {
  return bridgedSeconds > 0 ? legCost(FIRST, firstLegSeconds) + legCost(BRIDGED, bridgedSeconds) : 0;
}

describe('the seven scenarios of twilio-behavior.md, end to end', () => {
  it('(a) both answer, the destination hangs up after 75 s: both legs charged once, exactly', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 75 });
    const { res, id } = await startCall(h);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Calling your phone');
    const { call, parent } = await finished(id!);
    // The REST create: our Url, all four status events, the user's ring timeout and the whole first leg's limit.
    const create = h.sim.control.log({ kind: 'rest' }).find((e) => e.method === 'POST' && e.url.endsWith('/Calls.json'))!;
    expect(create.params).toMatchObject({
      To: USER_PHONE,
      Url: `${h.baseUrl}/twilio/calls/${id}/answer`,
      StatusCallback: `${h.baseUrl}/twilio/calls/${id}/status`,
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      Timeout: '30',
      TimeLimit: String(call.timeLimitS),
    });
    const twiml = h.sim.control.log({ kind: 'twiml' })[0]!;
    expect(twiml.url).toBe(`${h.baseUrl}/twilio/calls/${id}/answer`);
    expect(call.status).toBe('completed');
    expect(call.bridgedSeconds).toBe(75);
    expect(call.firstLegSeconds).toBe(Number(parent!.duration));
    expect(call.firstLegSeconds).toBeGreaterThan(75);
    const charge = expectedCharge(call.firstLegSeconds!, 75);
    expect(call.costMicros).toBe(charge);
    expect(charge).toBe(20_000 + 200_000);
    expect(await balance()).toBe(CREDIT - charge);
    expect(await ledgerKinds()).toEqual([`call_charge:${-charge}`, `grant:${CREDIT}`]);
    expect(call.costBreakdown).toMatchObject({ bridgedLeg: { seconds: 75, billedSeconds: 120, costMicros: 200_000 }, chargedMicros: charge });
  });

  it('(b) the user does not answer: nothing charged, the hold released', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'no-answer' });
    const { id } = await startCall(h);
    const { call } = await finished(id!);
    expect(call).toMatchObject({ status: 'not-answered', costMicros: 0, failureReason: 'Your phone was not answered.' });
    expect(await balance()).toBe(CREDIT);
    expect(await ledgerKinds()).toEqual([`grant:${CREDIT}`]);
  });

  it('(c) the user is busy: nothing charged', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'busy' });
    const { id } = await startCall(h);
    const { call } = await finished(id!);
    expect(call).toMatchObject({ status: 'not-answered', costMicros: 0, failureReason: 'Your phone was busy.' });
    expect(await balance()).toBe(CREDIT);
  });

  it('(d) the destination is busy: the user pays nothing, our first-leg cost is recorded as uncollected', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'busy' });
    const { id } = await startCall(h);
    const { call, child } = await finished(id!);
    expect(child?.status).toBe('busy');
    expect(call).toMatchObject({ status: 'destination-unanswered', costMicros: 0, bridgedSeconds: 0, failureReason: 'The number you called was busy.' });
    expect(call.firstLegSeconds).toBeGreaterThan(0);
    expect(call.uncollectedCostMicros).toBe(5_000); // one started minute at the first leg's cost price
    expect(await balance()).toBe(CREDIT);
  });

  it('(e) the credit runs out: <Dial timeLimit> cuts the call and the charge stays within the hold', async () => {
    await h.close();
    h = await startCallHarness({ creditMicros: 300_000 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 3 });
    const { id } = await startCall(h);
    const { call, child } = await finished(id!);
    expect(call.status).toBe('completed');
    expect(call.bridgedSeconds).toBe(call.talkLimitS);
    expect(Number(child!.duration)).toBe(call.talkLimitS);
    expect(call.costMicros).toBe(expectedCharge(call.firstLegSeconds!, call.bridgedSeconds!));
    expect(call.costMicros).toBeLessThanOrEqual(call.holdMicros);
    expect(await balance()).toBe(300_000 - call.costMicros!);
  });

  it('(f) the user hangs up from the page while bridged: the call ends through the REST API and is charged once', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2 });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.status === 'connected');
    // The destination answered: a hangup job waits at the credit deadline.
    const hangupJobs = async () => (await h.jobs.agenda.queryJobs({ name: hangupCallJob })).jobs.filter((j) => (j.data as { callId?: string }).callId === id);
    for (let tries = 0; (await hangupJobs()).length === 0; tries++) {
      if (tries > 200) throw new Error('no hangup job was scheduled');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [job] = await hangupJobs();
    const connected = await h.call(id!);
    // The exact cut: the moment the talk limit settled at the answer runs out.
    expect(job!.nextRunAt?.getTime()).toBe(Date.parse(connected.bridgedAt!) + connected.talkLimitS * 1000);
    const hangup = await h.agent.post(`/calls/${id}/hangup`).set('HX-Request', 'true').set('X-CSRF-Token', h.csrf);
    expect(hangup.status).toBe(200);
    const again = await h.agent.post(`/calls/${id}/hangup`).set('HX-Request', 'true').set('X-CSRF-Token', h.csrf);
    expect(again.status).toBe(200);
    const { call } = await finished(id!);
    expect(call.status).toBe('completed');
    expect(call.bridgedSeconds).toBeGreaterThan(0);
    // The call ended: its hangup job is gone.
    expect(await hangupJobs()).toHaveLength(0);
    expect(call.costMicros).toBe(expectedCharge(call.firstLegSeconds!, call.bridgedSeconds!));
    expect(await balance()).toBe(CREDIT - call.costMicros!);
  });

  it('(g) the user hangs up while the destination rings: cancelled, nothing charged', async () => {
    // Slower simulated time: the destination rings 35 simulated seconds, long enough to hang up in between.
    await h.close();
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'manual' });
    const { id } = await startCall(h);
    const ringing = await h.waitForCall(id!, (c) => c.status === 'connecting' && c.childSid !== null);
    await h.sim.control.waitFor(() => h.sim.control.calls().some((l) => l.sid === ringing.childSid && l.status === 'ringing'));
    expect(h.sim.control.press(USER_PHONE, 'hangup')).toBe(true);
    const { call } = await finished(id!);
    expect(call).toMatchObject({ status: 'cancelled', costMicros: 0, dialStatus: 'canceled' });
    expect(call.uncollectedCostMicros).toBeGreaterThan(0);
    expect(await balance()).toBe(CREDIT);
  });
});
