import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HandsetBehaviour, type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, callbacksOf, secondsBetween, startReceiver } from './helpers/receiver.js';

// Speed 1000: one simulated second is one real millisecond, so the 75 s call of scenario (a) takes ~0.1 s.
const SPEED = 1000;
const USER = '+14155550101';
const DEST = '+442071838750';
const CALLER_ID = '+15005550006';

let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: SPEED });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await receiver?.close();
});

interface Scenario {
  user: HandsetBehaviour;
  dest: HandsetBehaviour;
  dialAttributes?: string;
  actionTwiml?: string;
  timeout?: number;
}

/** Places the product's call: REST create to the user, whose answer fetches a <Dial> to DEST with an action. */
async function placeCall(s: Scenario) {
  receiver = await startReceiver(sim.authToken);
  sim.control.setBehaviour(USER, s.user);
  sim.control.setBehaviour(DEST, s.dest);
  receiver.respond('/twiml', `<?xml version="1.0" encoding="UTF-8"?><Response><Dial timeLimit="3600" callerId="${CALLER_ID}" action="/dial-action" ${s.dialAttributes ?? ''}>` +
    `<Number statusCallback="${receiver.url('/child-status')}" statusCallbackEvent="initiated ringing answered completed">${DEST}</Number></Dial></Response>`);
  receiver.respond('/dial-action', s.actionTwiml ?? '<Response><Hangup/></Response>');
  const call = await client.calls.create({
    to: USER, from: CALLER_ID, url: receiver.url('/twiml'), statusCallback: receiver.url('/parent-status'),
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], statusCallbackMethod: 'POST', timeout: s.timeout ?? 20,
  });
  expect(call.status).toBe('queued');
  expect(call.direction).toBe('outbound-api');
  return call.sid;
}

/** What the simulator sent, in send order, as "kind:who:event" labels. */
function sendOrder(parentSid: string) {
  return sim.control.log({}).filter((e) => e.direction === 'outbound' && (e.callSid === parentSid || e.params.ParentCallSid === parentSid))
    .map((e) => {
      const who = e.callSid === parentSid ? 'P' : 'C';
      return e.kind === 'status-callback' ? `${who}:${e.params.CallStatus}` : `${who}:${e.kind}`;
    });
}

function childSidOf(parentSid: string): string {
  const child = sim.control.calls().find((c) => c.parent_call_sid === parentSid);
  expect(child).toBeDefined();
  return child!.sid;
}

function expectAllSigned() {
  expect(receiver.received.length).toBeGreaterThan(0);
  expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
}

describe('scenario (a): user answers, DEST answers and hangs up after 75 s', () => {
  it('produces the documented requests and callbacks, in under a second of real time', async () => {
    const started = performance.now();
    const P = await placeCall({ user: { kind: 'answer', answerAfterS: 4 }, dest: { kind: 'answer', answerAfterS: 6, hangupAfterS: 75 } });
    await sim.control.waitForIdle();
    expect(performance.now() - started).toBeLessThan(1000);
    const C = childSidOf(P);

    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:in-progress', 'P:twiml', 'C:initiated', 'C:ringing', 'C:in-progress', 'C:completed', 'P:action', 'P:completed']);
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent.map((r) => [r.params.SequenceNumber, r.params.CallStatus])).toEqual([['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed']]);
    for (const r of parent) {
      expect(r.params).toMatchObject({ CallSid: P, Direction: 'outbound-api', From: CALLER_ID, To: USER, Caller: CALLER_ID, Called: USER, CallbackSource: 'call-progress-events', ApiVersion: '2010-04-01', AccountSid: sim.accountSid });
      expect(r.params.ParentCallSid).toBeUndefined();
    }
    // P: answered 5 s after initiated; its duration spans DEST setup (1 s) + ringing (6 s) + the 75 s bridge.
    expect(secondsBetween(parent[0]!.params.Timestamp, parent[2]!.params.Timestamp)).toBe(5);
    expect(parent[3]!.params).toMatchObject({ CallDuration: '82', Duration: '2', SipResponseCode: '200' });
    expect(secondsBetween(parent[2]!.params.Timestamp, parent[3]!.params.Timestamp)).toBe(82);

    const twiml = receiver.on('/twiml');
    expect(twiml).toHaveLength(1);
    expect(twiml[0]!.params).toMatchObject({ CallSid: P, CallStatus: 'in-progress', Direction: 'outbound-api', From: CALLER_ID, To: USER });

    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child.map((r) => [r.params.SequenceNumber, r.params.CallStatus])).toEqual([['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed']]);
    for (const r of child) expect(r.params).toMatchObject({ CallSid: C, ParentCallSid: P, Direction: 'outbound-dial', From: CALLER_ID, To: DEST });
    expect(child[3]!.params.CallDuration).toBe('75');
    expect(secondsBetween(child[2]!.params.Timestamp, child[3]!.params.Timestamp)).toBe(75);

    const action = receiver.on('/dial-action');
    expect(action).toHaveLength(1);
    expect(action[0]!.params).toMatchObject({ CallSid: P, CallStatus: 'in-progress', Direction: 'outbound-api', DialCallStatus: 'completed', DialCallSid: C, DialCallDuration: '75', DialBridged: 'true' });
    expectAllSigned();

    const [p, c] = await Promise.all([client.calls(P).fetch(), client.calls(C).fetch()]);
    expect(p).toMatchObject({ status: 'completed', duration: '82', direction: 'outbound-api', parentCallSid: null });
    expect(c).toMatchObject({ status: 'completed', duration: '75', direction: 'outbound-dial', parentCallSid: P, to: DEST, from: CALLER_ID });
    expect(Number(p.price)).toBeLessThan(0);
  });
});

describe('scenario (b): the user does not answer', () => {
  it('ends no-answer after Timeout + 5 s with SIP 487 and no TwiML fetch', async () => {
    const P = await placeCall({ user: { kind: 'no-answer' }, dest: { kind: 'busy' }, timeout: 20 });
    await sim.control.waitForIdle();
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:no-answer']);
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent.map((r) => r.params.SequenceNumber)).toEqual(['0', '1', '2']);
    expect(parent[2]!.params).toMatchObject({ CallStatus: 'no-answer', CallDuration: '0', Duration: '0', SipResponseCode: '487' });
    expect(secondsBetween(parent[1]!.params.Timestamp, parent[2]!.params.Timestamp)).toBe(25);
    expect(receiver.on('/twiml')).toHaveLength(0);
    expect(sim.control.calls().some((c) => c.parent_call_sid === P)).toBe(false);
    const p = await client.calls(P).fetch();
    expect(p).toMatchObject({ status: 'no-answer', duration: null, price: null });
    expectAllSigned();
  });

  it('a rejected call is reported as no-answer too (SIP 603)', async () => {
    const P = await placeCall({ user: { kind: 'reject', rejectAfterS: 3 }, dest: { kind: 'busy' } });
    await sim.control.waitForIdle();
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent.at(-1)!.params).toMatchObject({ CallStatus: 'no-answer', SipResponseCode: '603', CallDuration: '0' });
  });
});

describe('scenario (c): the user is busy', () => {
  it('ends busy without ringing or a TwiML fetch, not charged', async () => {
    const P = await placeCall({ user: { kind: 'busy' }, dest: { kind: 'busy' } });
    await sim.control.waitForIdle();
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:busy']);
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent[1]!.params).toMatchObject({ SequenceNumber: '1', CallStatus: 'busy', CallDuration: '0', Duration: '0', SipResponseCode: '486' });
    expect(receiver.on('/twiml')).toHaveLength(0);
    expect((await client.calls(P).fetch()).price).toBeNull();
  });
});

describe('scenario (d): user answers, DEST busy', () => {
  it('requests the action with DialCallStatus=busy and runs its TwiML on the parent', async () => {
    const P = await placeCall({
      user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'busy' },
      actionTwiml: '<Response><Say>The number is busy.</Say><Hangup/></Response>',
    });
    await sim.control.waitForIdle();
    const C = childSidOf(P);
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:in-progress', 'P:twiml', 'C:initiated', 'C:busy', 'P:action', 'P:completed']);
    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child.map((r) => [r.params.SequenceNumber, r.params.CallStatus, r.params.CallDuration])).toEqual([['0', 'initiated', undefined], ['1', 'busy', '0']]);
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ CallSid: P, CallStatus: 'in-progress', DialCallStatus: 'busy', DialCallSid: C, DialCallDuration: '0', DialBridged: 'false' });
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent[3]!.params).toMatchObject({ SequenceNumber: '3', CallStatus: 'completed' });
    // Seconds since the user answered: DEST setup (1 s) and the <Say> (about 1.2 s at the simulated speaking rate).
    expect(Number(parent[3]!.params.CallDuration)).toBeGreaterThanOrEqual(2);
    const [p, c] = await Promise.all([client.calls(P).fetch(), client.calls(C).fetch()]);
    expect(p.price).not.toBeNull();
    expect(c).toMatchObject({ status: 'busy', price: null, duration: null });
    expectAllSigned();
  });

  it('DEST no-answer: DialCallStatus=no-answer after the Dial timeout + 5 s', async () => {
    const P = await placeCall({ user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'no-answer' }, dialAttributes: 'timeout="10"' });
    await sim.control.waitForIdle();
    const C = childSidOf(P);
    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child.map((r) => r.params.CallStatus)).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(secondsBetween(child[1]!.params.Timestamp, child[2]!.params.Timestamp)).toBe(15);
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ DialCallStatus: 'no-answer', DialBridged: 'false' });
  });

  it('DEST unreachable: DialCallStatus=failed', async () => {
    const P = await placeCall({ user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'unreachable' } });
    await sim.control.waitForIdle();
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ DialCallStatus: 'failed', DialBridged: 'false', DialCallSid: childSidOf(P) });
  });
});

describe('scenario (e): Dial timeLimit reached', () => {
  it('hangs up DEST exactly timeLimit seconds after it answered', async () => {
    const P = await placeCall({ user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'answer', answerAfterS: 3 }, dialAttributes: 'timeLimit="30"' });
    await sim.control.waitForIdle();
    const C = childSidOf(P);
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:in-progress', 'P:twiml', 'C:initiated', 'C:ringing', 'C:in-progress', 'C:completed', 'P:action', 'P:completed']);
    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child[3]!.params).toMatchObject({ SequenceNumber: '3', CallStatus: 'completed', CallDuration: '30' });
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '30', DialBridged: 'true' });
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent[3]!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '34', Duration: '1' });
  });
});

describe('scenario (f): REST Status=completed while bridged', () => {
  it('tears down both legs; the action is still requested and its TwiML ignored', async () => {
    const P = await placeCall({
      user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'answer', answerAfterS: 3 },
      actionTwiml: '<Response><Redirect>/must-not-run</Redirect></Response>',
    });
    await sim.control.waitFor(() => receiver.on('/child-status').some((r) => r.params.CallStatus === 'in-progress'));
    const updated = await client.calls(P).update({ status: 'completed' });
    expect(updated.status).toBe('completed');
    await sim.control.waitForIdle();
    const C = childSidOf(P);
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:in-progress', 'P:twiml', 'C:initiated', 'C:ringing', 'C:in-progress', 'C:completed', 'P:action', 'P:completed']);
    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child[3]!.params).toMatchObject({ SequenceNumber: '3', CallStatus: 'completed' });
    const action = receiver.on('/dial-action')[0]!.params;
    expect(action).toMatchObject({ CallSid: P, CallStatus: 'completed', DialCallStatus: 'completed', DialCallSid: C, DialBridged: 'true' });
    expect(action.DialCallDuration).toBe(child[3]!.params.CallDuration);
    expect(receiver.on('/must-not-run')).toHaveLength(0);
    expect(callbacksOf(receiver.received, P, '/parent-status')[3]!.params).toMatchObject({ SequenceNumber: '3', CallStatus: 'completed' });
    const c = await client.calls(C).fetch();
    expect(c.status).toBe('completed');
    expectAllSigned();
  });

  it('variant: Status=completed on the child ends only the Dial; the parent runs the action TwiML', async () => {
    const P = await placeCall({
      user: { kind: 'answer', answerAfterS: 2 }, dest: { kind: 'answer', answerAfterS: 3 },
      actionTwiml: '<Response><Redirect>/after</Redirect></Response>',
    });
    receiver.respond('/after', '<Response><Pause length="2"/><Hangup/></Response>');
    await sim.control.waitFor(() => receiver.on('/child-status').some((r) => r.params.CallStatus === 'in-progress'));
    const C = childSidOf(P);
    await client.calls(C).update({ status: 'completed' });
    await sim.control.waitForIdle();
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ CallStatus: 'in-progress', DialCallStatus: 'completed', DialBridged: 'true' });
    expect(receiver.on('/after')).toHaveLength(1);
    expect(sendOrder(P).slice(-4)).toEqual(['C:completed', 'P:action', 'P:redirect', 'P:completed']);
  });
});

describe('scenario (g): user hangs up while DEST is ringing', () => {
  it('cancels the child; action has DialCallStatus=canceled and CallStatus=completed', async () => {
    const P = await placeCall({
      user: { kind: 'answer', answerAfterS: 2, hangupAfterS: 10 }, dest: { kind: 'no-answer' },
      actionTwiml: '<Response><Redirect>/must-not-run</Redirect></Response>',
    });
    await sim.control.waitForIdle();
    const C = childSidOf(P);
    expect(sendOrder(P)).toEqual(['P:initiated', 'P:ringing', 'P:in-progress', 'P:twiml', 'C:initiated', 'C:ringing', 'C:canceled', 'P:action', 'P:completed']);
    const child = callbacksOf(receiver.received, C, '/child-status');
    expect(child[2]!.params).toMatchObject({ SequenceNumber: '2', CallStatus: 'canceled', CallDuration: '0' });
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ CallSid: P, CallStatus: 'completed', DialCallStatus: 'canceled', DialCallSid: C, DialBridged: 'false' });
    expect(receiver.on('/must-not-run')).toHaveLength(0);
    const parent = callbacksOf(receiver.received, P, '/parent-status');
    expect(parent[3]!.params).toMatchObject({ SequenceNumber: '3', CallStatus: 'completed', CallDuration: '10', Duration: '1' });
    const [p, c] = await Promise.all([client.calls(P).fetch(), client.calls(C).fetch()]);
    expect(p.status).toBe('completed');
    expect(c).toMatchObject({ status: 'canceled', price: null });
    expectAllSigned();
  });
});

describe('REST TimeLimit on the parent while bridged', () => {
  it('ends both legs at the limit; the action still comes, with CallStatus=completed', async () => {
    receiver = await startReceiver(sim.authToken);
    sim.control.setBehaviour(USER, { kind: 'answer', answerAfterS: 2 });
    sim.control.setBehaviour(DEST, { kind: 'answer', answerAfterS: 4 });
    receiver.respond('/twiml', `<Response><Dial action="/dial-action"><Number statusCallback="/child-status" statusCallbackEvent="answered completed">${DEST}</Number></Dial></Response>`);
    const call = await client.calls.create({ to: USER, from: CALLER_ID, url: receiver.url('/twiml'), timeLimit: 60, statusCallback: receiver.url('/parent-status') });
    await sim.control.waitForIdle();
    const C = childSidOf(call.sid);
    expect(callbacksOf(receiver.received, call.sid, '/parent-status')[0]!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '60', Duration: '1' });
    // The child rang for 1 s setup + 4 s, so it was bridged for the remaining 55 s.
    expect(callbacksOf(receiver.received, C, '/child-status').map((r) => [r.params.CallStatus, r.params.CallDuration])).toEqual([['in-progress', undefined], ['completed', '55']]);
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ CallStatus: 'completed', DialCallStatus: 'completed', DialCallDuration: '55', DialBridged: 'true' });
  });
});
