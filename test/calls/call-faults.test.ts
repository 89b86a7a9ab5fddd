import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signTwilioRequest } from '../../src/sim/signing.js';
import { legCost } from '../../src/rating/leg-cost.js';
import type { HoldRequest } from '../../src/calls/call-credit.js';
import { callPlacement } from '../../src/calls/call-placement.js';
import { callsRepository } from '../../src/calls/calls-repository.js';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 5_000_000;

let h: CallHarness;
beforeEach(async () => {
  h = await startCallHarness({ creditMicros: CREDIT });
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 75 });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const balance = async () => (await h.built.services.money.wallet.summary(h.userId)).balanceMicros;
const chargeEntries = async () => (await h.built.services.money.wallet.ledger(h.userId)).entries.filter((e) => e.kind === 'call_charge');

describe('callbacks that arrive twice, out of order, or never', () => {
  it('duplicated and shuffled callbacks settle the call once, with the same charge', async () => {
    h.sim.control.setFaults({ duplicateWebhooks: true, shuffleWebhooks: true });
    const { id } = await startCall(h);
    const call = await h.waitForCall(id!, (c) => c.settledAt !== null);
    await h.sim.control.waitForIdle(10_000);
    const parent = h.sim.control.calls().find((l) => l.sid === call.parentSid)!;
    const settled = await h.call(id!);
    expect(settled).toMatchObject({ status: 'completed', bridgedSeconds: 75, firstLegSeconds: Number(parent.duration) });
    const charge = legCost(FIRST, settled.firstLegSeconds!) + legCost(BRIDGED, 75);
    expect(settled.costMicros).toBe(charge);
    expect(await chargeEntries()).toHaveLength(1);
    expect(await balance()).toBe(CREDIT - charge);
    // Every duplicate was recorded once: one event per sequence number and leg.
    const events = await h.testDb.db('call_events').where({ call_id: id, source: 'parent' }).select('sequence');
    expect(new Set(events.map((e) => e.sequence)).size).toBe(events.length);
  });

  it('a dropped final callback is settled by reconciliation from Twilio’s own durations', async () => {
    h.sim.control.setFaults({ dropStatusCallbacks: true }, USER_PHONE);
    const { id } = await startCall(h);
    await h.sim.control.waitForIdle(10_000);
    const waiting = await h.waitForCall(id!, (c) => c.status === 'ending');
    expect(waiting.settledAt).toBeNull();
    // Not yet due: reconciliation only asks about calls past their expected end.
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    h.clock.advance(5 * 60_000);
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 1, stillLive: 0, skipped: 0 });
    const parent = h.sim.control.calls().find((l) => l.sid === waiting.parentSid)!;
    const settled = await h.call(id!);
    expect(settled).toMatchObject({ status: 'completed', bridgedSeconds: 75, firstLegSeconds: Number(parent.duration) });
    expect(settled.costMicros).toBe(legCost(FIRST, settled.firstLegSeconds!) + legCost(BRIDGED, 75));
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 0, skipped: 0 });
    expect(await chargeEntries()).toHaveLength(1);
  });

  it('a call Twilio never heard of is released at zero; a live one is never freed', async () => {
    await h.close();
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 }); // the phone rings 35 simulated seconds: 1.75 s
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.status === 'calling' && c.ringingAt !== null);
    h.clock.advance(2 * 3600_000);
    // Still ringing at Twilio: never released, and (being past its end) hung up.
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 0, stillLive: 1, skipped: 0 });
    const over = await h.waitForCall(id!, (c) => c.settledAt !== null);
    expect(over).toMatchObject({ status: 'not-answered', costMicros: 0 });
    // A process that died between taking the hold and Twilio's answer: no SID, no callback ever came.
    const orphan = 'cl_orphanorphanorphanor';
    await h.testDb.db('calls').insert({ ...(await h.testDb.db('calls').where({ id }).first()), id: orphan, parent_sid: null, child_sid: null, status: 'starting', live_user_id: h.userId, settled_at: null, ringing_at: null, answered_at: null, parent_ended_at: null, parent_final_status: null, ended_at: null, cost_micros: null, failure_reason: null, expected_end_at: new Date().toISOString() });
    await h.built.services.money.callCredit.hold({ userId: h.userId, callSid: orphan, tariffs: { first: FIRST, bridged: BRIDGED } });
    expect(await h.built.services.calls.reconcile()).toEqual({ settled: 1, stillLive: 0, skipped: 0 });
    expect(await h.call(orphan)).toMatchObject({ status: 'failed', costMicros: 0, failureReason: 'The call never reached our phone provider. Nothing was charged.' });
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
    expect(await h.built.services.calls.liveCallFor(h.userId)).toBeNull();
    expect(await balance()).toBe(CREDIT);
  });
});

describe('starting a call', () => {
  it('a REST 5xx on create releases the hold, fails the call in plain words and charges nothing', async () => {
    h.sim.control.setFaults({ restFailure: { status: 500, count: 1 } });
    const { res } = await startCall(h);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Our phone provider had a problem placing the call. Nothing was charged.');
    const [call] = await h.testDb.db('calls').select('status', 'live_user_id', 'cost_micros');
    expect(call).toMatchObject({ status: 'failed', live_user_id: null });
    expect(Number(call.cost_micros)).toBe(0);
    expect(await balance()).toBe(CREDIT);
    expect(await h.built.services.money.callCredit.openHolds()).toEqual([]);
    // The user may try again at once.
    h.sim.control.clearFaults();
    expect((await startCall(h)).res.status).toBe(200);
  });

  it('a REST 429 says the provider is busy', async () => {
    h.sim.control.setFaults({ restFailure: { status: 429, count: 1 } });
    const { res } = await startCall(h);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Our phone provider is busy right now. Nothing was charged.');
  });

  it('two simultaneous starts by one user make exactly one call', async () => {
    // At the default speed the unanswered phone gives up after 35 ms of real time: a busy machine can take longer than
    // that to answer both clicks, and the call would be over (its hold released) before we look.
    await h.close();
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const [first, second] = await Promise.all([startCall(h), startCall(h)]);
    expect([first.res.status, second.res.status].sort()).toEqual([200, 422]);
    const refused = first.res.status === 422 ? first.res : second.res;
    expect(refused.text).toContain('You already have a call in progress.');
    expect(await h.testDb.db('calls').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    expect(Number((await h.testDb.db('calls').count({ n: '*' }).first())!.n)).toBe(1);
    expect(await h.built.services.money.callCredit.openHolds()).toHaveLength(1);
    const id = (first.id ?? second.id)!;
    expect(await h.built.services.calls.liveCallFor(h.userId)).toEqual({ id });
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(id, (c) => c.settledAt !== null);
  });

  it('one live call per user gets through, however many placements race (and the database index stops a second row)', async () => {
    const money = h.built.services.money;
    const placement = callPlacement({ holds: money.ledger.holds, repo: callsRepository(h.testDb.db) });
    const now = new Date().toISOString();
    const call = (id: string) => ({ id, userId: h.userId, toE164: DESTINATION, toCountry: 'GB', fromE164: USER_PHONE, confirmAnswer: false, createdAt: now, expectedEndAt: now, timeLimitS: 60, talkLimitS: 59, dialTimeoutS: 30, holdMicros: 0 });
    const attempt = (n: number) => {
      const id = `cl_race${String(n).padStart(16, 'a')}`;
      const request = { userId: h.userId, callSid: id, tariffs: { first: { ...FIRST, prefix: '1' }, bridged: { ...BRIDGED, prefix: '44' } }, maxSeconds: 60 } as unknown as HoldRequest;
      return placement.place(h.userId, undefined, (state) => {
        const plan = money.callCredit.plan(state.wallet, request);
        return { kind: 'place' as const, placement: { call: { ...call(id), holdMicros: plan.hold.amountMicros }, hold: { request, plan }, noted: { event: { source: 'us' as const, event: 'calling your phone', sequence: null, params: null, receivedAt: now }, dedupeKey: 'us:create' } } };
      });
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_unused, n) => attempt(n)));
    expect(results.filter((r) => r.kind === 'placed')).toHaveLength(1);
    const [live] = await h.testDb.db('calls').whereNotNull('live_user_id').select('id');
    expect(results.filter((r) => r.kind === 'call-live').map((r) => r.kind === 'call-live' && r.liveCallId)).toEqual(Array(7).fill(live.id));
    expect(await money.callCredit.openHolds()).toHaveLength(1);
    // Below the placement's own read, the unique index refuses a second live row outright.
    await expect(h.testDb.db('calls').insert({ id: 'cl_second_live_row_xx', user_id: h.userId, live_user_id: h.userId, to_e164: DESTINATION, from_e164: USER_PHONE, status: 'starting', confirm_answer: false, created_at: now, expected_end_at: now, time_limit_s: 1, talk_limit_s: 1, dial_timeout_s: 1, hold_micros: 0 })).rejects.toThrow(/unique|UNIQUE/);
    await money.callCredit.release(live.id);
    await h.testDb.db('calls').where({ id: live.id }).update({ live_user_id: null });
    // Once it is over, the next call may start.
    expect((await attempt(99)).kind).toBe('placed');
    await money.callCredit.release(`cl_race${String(99).padStart(16, 'a')}`);
    await h.testDb.db('call_events').delete();
    await h.testDb.db('calls').delete();
  });

  it('a hangup while Twilio is still creating the call ends it as soon as Twilio answers', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    h.sim.control.setFaults({ slowRestMs: 400 });
    const starting = startCall(h);
    const row = await (async () => {
      for (;;) {
        const found = await h.testDb.db('calls').first<{ id: string; parent_sid: string | null } | undefined>('id', 'parent_sid');
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    expect(row.parent_sid).toBeNull();
    const hangup = await h.agent.post(`/calls/${row.id}/hangup`).set('HX-Request', 'true').set('X-CSRF-Token', h.csrf);
    expect(hangup.status).toBe(200);
    expect((await starting).res.status).toBe(200);
    h.sim.control.clearFaults();
    const call = await h.waitForCall(row.id, (c) => c.settledAt !== null);
    expect(call).toMatchObject({ costMicros: 0 });
    expect(['cancelled', 'not-answered']).toContain(call.status);
    expect(await balance()).toBe(CREDIT);
  });

  it('without htmx: 303 to the call page, and a refusal flashes its reason and returns to the dial page with the input', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'busy' });
    const ok = await h.agent.post('/calls').type('form').send({ _csrf: h.csrf, to: '020 7946 0958', country: 'GB' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toMatch(/^\/calls\/cl_[a-z2-7]{20}$/);
    const page = await h.agent.get(ok.headers.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Call to +44 20 7946 0958');
    const refused = await h.agent.post('/calls').type('form').send({ _csrf: h.csrf, to: '+1 900 555 1234', country: 'US' });
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe('/?to=%2B1+900+555+1234&country=US');
    expect(await h.built.services.calls.lastDestinationCountry(h.userId)).toBe('GB');
  });

  it('refuses a user without a verified phone, and a repeated field like a missing one', async () => {
    await h.testDb.db('users').where({ id: h.userId }).update({ phone_verified_at: null });
    const res = await h.agent.post('/calls').set('HX-Request', 'true').set('X-CSRF-Token', h.csrf).type('form').send({ to: DESTINATION });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Verify your own phone number first');
    expect(res.text).toContain('href="/account/phone"');
    const twice = await h.agent.post('/calls').set('HX-Request', 'true').set('X-CSRF-Token', h.csrf).type('form').send('to=1&to=2');
    expect(twice.status).toBe(422);
    expect(twice.text).toContain('Enter the number to call.');
  });
});

describe('who may see and touch a call', () => {
  it('refuses forged webhooks with 403 and answers unknown call ids with 2xx', async () => {
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
    const before = await h.call(id!);
    const params = { CallSid: before.parentSid!, CallStatus: 'completed', CallDuration: '9999', SequenceNumber: '9' };
    const path = `/twilio/calls/${id}/status`;
    const forged = await request(h.baseUrl).post(path).set('X-Twilio-Signature', 'bm90IGEgc2lnbmF0dXJl').type('form').send(params);
    expect(forged.status).toBe(403);
    expect((await request(h.baseUrl).post(path).type('form').send(params)).status).toBe(403);
    // Signed for another URL (a replay against another call) is refused too.
    const other = signTwilioRequest(h.sim.authToken, `${h.baseUrl}/twilio/calls/cl_aaaaaaaaaaaaaaaaaaaa/status`, params);
    expect((await request(h.baseUrl).post(path).set('X-Twilio-Signature', other).type('form').send(params)).status).toBe(403);
    expect(await h.call(id!)).toEqual(before);
    const unknown = '/twilio/calls/cl_aaaaaaaaaaaaaaaaaaaa/status';
    const signed = signTwilioRequest(h.sim.authToken, `${h.baseUrl}${unknown}`, params);
    const res = await request(h.baseUrl).post(unknown).set('X-Twilio-Signature', signed).type('form').send(params);
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
    const bad = { ...params, CallDuration: 'ten' };
    const badRes = await request(h.baseUrl).post(path).set('X-Twilio-Signature', signTwilioRequest(h.sim.authToken, `${h.baseUrl}${path}`, bad)).type('form').send(bad);
    expect(badRes.status).toBe(400);
    expect(badRes.text).toContain('CallDuration must be a whole number of seconds');
  });

  it('another user’s call id is a 404 everywhere', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const { id } = await startCall(h);
    const other = request.agent(h.baseUrl);
    const form = await other.get('/signup');
    await other.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Eve', email: 'eve@example.com', password: 'correct horse battery' });
    const login = await other.get('/login');
    await other.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'eve@example.com', password: 'correct horse battery' });
    const csrf = csrfTokenFrom((await other.get('/account')).text);
    expect((await other.get(`/calls/${id}`)).status).toBe(404);
    expect((await other.get(`/calls/${id}/status`)).status).toBe(404);
    expect((await other.post(`/calls/${id}/hangup`).set('X-CSRF-Token', csrf)).status).toBe(404);
    expect((await h.agent.get(`/calls/${id}/status`)).status).toBe(200);
    expect((await request(h.baseUrl).get(`/calls/${id}/status`)).status).toBe(404);
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
  });
});

describe('the bridge TwiML', () => {
  const signedPost = (path: string, params: Record<string, string>) =>
    request(h.baseUrl).post(path).set('X-Twilio-Signature', signTwilioRequest(h.sim.authToken, `${h.baseUrl}${path}`, params)).type('form').send(params);

  it('comes from our database: the destination, limits and callbacks are ours, whatever the request says', async () => {
    await h.close();
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 }); // the phone keeps ringing while we ask
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const { id } = await startCall(h);
    const call = await h.waitForCall(id!, (c) => c.parentSid !== null);
    const res = await signedPost(`/twilio/calls/${id}/answer`, { CallSid: call.parentSid!, CallStatus: 'in-progress', To: '+19005551234', Called: '+19005551234' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.text).toContain(`<Dial timeLimit="${call.talkLimitS}" timeout="30" callerId="${USER_PHONE}" action="${h.baseUrl}/twilio/calls/${id}/dial-action" method="POST">`);
    expect(res.text).toContain(`<Number statusCallback="${h.baseUrl}/twilio/calls/${id}/child-status" statusCallbackMethod="POST" statusCallbackEvent="initiated ringing answered completed">${DESTINATION}</Number>`);
    expect(res.text).not.toContain('9005551234');
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
  });

  it('says goodbye and hangs up for a call that is over, cancelled or unknown', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'busy' });
    const { id } = await startCall(h);
    const over = await h.waitForCall(id!, (c) => c.settledAt !== null);
    const res = await signedPost(`/twilio/calls/${id}/answer`, { CallSid: over.parentSid!, CallStatus: 'in-progress' });
    expect(res.text).toMatch(/<Response><Say>[^<]+<\/Say><Hangup\/><\/Response>$/);
    const unknown = await signedPost('/twilio/calls/cl_aaaaaaaaaaaaaaaaaaaa/answer', { CallSid: over.parentSid!, CallStatus: 'in-progress' });
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain('<Hangup/>');
    expect((await h.call(id!)).status).toBe('not-answered');
  });
});
