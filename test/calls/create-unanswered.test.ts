import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { legCost } from '../../src/rating/leg-cost.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 5_000_000;

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/**
 * The twilio SDK's own HTTP client, except that the call create gets no answer: with `placed`, the request reaches
 * the simulator (which places the call) and the response is lost; without, the request never leaves. Either way the
 * SDK sees what a reset connection looks like: an error with a code and no HTTP status.
 */
function createWithoutAnswer(mode: { placed: boolean }): InstanceType<typeof twilio.RequestClient> {
  const client = new twilio.RequestClient();
  const request = client.request.bind(client);
  client.request = async <T>(opts: RequestOptions & { data?: T }) => {
    if (opts.method.toUpperCase() === 'POST' && /\/Calls\.json$/.test(opts.uri)) {
      if (mode.placed) await request<T>(opts);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    return request<T>(opts);
  };
  return client;
}

let h: CallHarness;
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const balance = async () => (await h.built.services.money.wallet.summary(h.userId)).balanceMicros;
const chargeEntries = async () => (await h.built.services.money.wallet.ledger(h.userId)).entries.filter((e) => e.kind === 'call_charge');
const eventKeys = async (id: string) => (await h.testDb.db('call_events').where({ call_id: id }).orderBy('id').pluck('dedupe_key')) as string[];

describe('a call create that Twilio never answered', () => {
  it('placed anyway: its callbacks name the call, and the answered call is billed exactly once', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20, httpClient: createWithoutAnswer({ placed: true }) });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 75 });
    // The user leg's status callbacks come a second late, so the create's failure is seen first; the answer webhook
    // (its URL carries our call id) then names the call.
    h.sim.control.setFaults({ delayWebhooksMs: 20_000 }, USER_PHONE);
    const { res, id } = await startCall(h);
    expect(res.status).toBe(200);
    expect(res.text).toContain('We could not confirm the call with our phone provider.');
    expect(res.text).not.toContain('Nothing was charged');
    const settled = await h.waitForCall(id!, (c) => c.settledAt !== null, 30_000);
    await h.sim.control.waitForIdle(10_000);
    const [placed] = h.sim.control.calls().filter((leg) => leg.to === USER_PHONE);
    expect(settled).toMatchObject({ status: 'completed', parentSid: placed!.sid, bridgedSeconds: 75, firstLegSeconds: Number(placed!.duration) });
    const charge = legCost(FIRST, settled.firstLegSeconds!) + legCost(BRIDGED, 75);
    expect(settled.costMicros).toBe(charge);
    expect(await eventKeys(id!)).toEqual(expect.arrayContaining(['us:create-unconfirmed', 'status:unconfirmed', 'twiml:answer', 'status:completed']));
    expect(await eventKeys(id!)).not.toContain('us:create-failed');
    expect(await chargeEntries()).toHaveLength(1);
    expect(await balance()).toBe(CREDIT - charge);
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
    // Reconciliation later finds nothing left to do: settled once.
    h.clock.advance(3 * 3600_000);
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    expect(await chargeEntries()).toHaveLength(1);
    // Its own waits (30 s to settle, 10 s for the simulator) and the harness's start on a fresh database (several
    // seconds on PostgreSQL) are longer than the default 20 s; a 75 s call at speed 20 settles in about 6 s.
  }, 60_000);

  it('placed anyway, its callbacks already in before the create failed: the call carries on and is billed once', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, httpClient: createWithoutAnswer({ placed: true }) });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 30 });
    const { res, id } = await startCall(h);
    expect(res.status).toBe(200);
    const settled = await h.waitForCall(id!, (c) => c.settledAt !== null);
    expect(settled).toMatchObject({ status: 'completed', bridgedSeconds: 30 });
    expect(settled.costMicros).toBe(legCost(FIRST, settled.firstLegSeconds!) + legCost(BRIDGED, 30));
    expect(await chargeEntries()).toHaveLength(1);
    expect(await balance()).toBe(CREDIT - settled.costMicros!);
  });

  it('never placed: the hold stays until the call is past its expected end, then reconciliation releases it at zero', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, httpClient: createWithoutAnswer({ placed: false }) });
    const { res, id } = await startCall(h);
    expect(res.status).toBe(200);
    expect(res.text).toContain('We could not confirm the call with our phone provider. If your phone rings, answer it');
    expect(res.text).toContain(`/calls/${id}/hangup`);
    const waiting = await h.call(id!);
    expect(waiting).toMatchObject({ status: 'unconfirmed', parentSid: null, settledAt: null });
    expect(h.sim.control.calls()).toHaveLength(0);
    // Still held, and still the user's one live call.
    expect(await h.built.services.money.callCredit.openHolds()).toHaveLength(1);
    expect(await h.built.services.calls.liveCallFor(h.userId)).toEqual({ id });
    expect((await startCall(h)).res.text).toContain('You already have a call in progress.');
    const poll = await h.agent.get(`/calls/${id}/status`);
    expect(poll.text).toContain('Waiting for our phone provider');
    // Not yet due.
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    h.clock.advance(Date.parse(waiting.expectedEndAt) - h.clock.now().getTime() + 1_000);
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 1, stillLive: 0, skipped: 0 });
    const failed = await h.call(id!);
    expect(failed).toMatchObject({ status: 'failed', costMicros: 0, failureReason: 'Our phone provider never confirmed the call, and it never started. Nothing was charged.' });
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
    expect(await h.built.services.calls.liveCallFor(h.userId)).toBeNull();
    expect(await balance()).toBe(CREDIT);
    expect(await chargeEntries()).toHaveLength(0);
    const page = await h.agent.get(`/calls/${id}/status`);
    expect(page.text).toContain('Not placed');
    expect(page.text).toContain('Nothing was charged.');
  });

  it('a hangup while unconfirmed is kept: the first callback naming the call ends it, at no charge', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20, httpClient: createWithoutAnswer({ placed: true }) });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    // The callbacks come a second (real time) after the create, so the hangup is asked for before any SID is known.
    h.sim.control.setFaults({ delayWebhooksMs: 20_000 }, USER_PHONE);
    const { id } = await startCall(h);
    expect(await h.call(id!)).toMatchObject({ status: 'unconfirmed', parentSid: null });
    const hangup = await h.agent.post(`/calls/${id}/hangup`).set('HX-Request', 'true').set('X-CSRF-Token', h.csrf);
    expect(hangup.status).toBe(200);
    expect(hangup.text).toContain('Hanging up');
    const over = await h.waitForCall(id!, (c) => c.settledAt !== null);
    expect(over).toMatchObject({ status: 'cancelled', costMicros: 0 });
    expect(over.parentSid).not.toBeNull();
    const [leg] = h.sim.control.calls().filter((l) => l.to === USER_PHONE);
    expect(leg!.status).toBe('canceled');
    expect(await eventKeys(id!)).toContain('us:late-hangup');
    expect(await balance()).toBe(CREDIT);
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
  });

  it('never placed and hung up: the credit and the live-call slot come back about a minute later, not at the full expected end', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, httpClient: createWithoutAnswer({ placed: false }) });
    const { id } = await startCall(h);
    const before = await h.call(id!);
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    const hungUp = await h.call(id!);
    expect(hungUp).toMatchObject({ status: 'unconfirmed', settledAt: null });
    expect(hungUp.hangupRequestedAt).not.toBeNull();
    expect(Date.parse(hungUp.expectedEndAt)).toBeLessThan(Date.parse(before.expectedEndAt));
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    h.clock.advance(Date.parse(hungUp.expectedEndAt) - h.clock.now().getTime() + 1_000);
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 1, stillLive: 0, skipped: 0 });
    expect(await h.call(id!)).toMatchObject({ status: 'failed', costMicros: 0 });
    expect(await h.built.services.calls.liveCallFor(h.userId)).toBeNull();
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
    expect(await balance()).toBe(CREDIT);
  });
});
