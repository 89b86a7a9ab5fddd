import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type HandsetBehaviour, type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { parseTwiml } from '../../src/sim/twiml.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, callbacksOf, startReceiver } from './helpers/receiver.js';

// Speed 1000: one simulated second is one real millisecond; durations stay exact (discrete-event timeline).
const USER = '+14155550123';
const DEST = '+442071838751';
const CALLER_ID = '+15005550006';

let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 1000 });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
});
afterAll(() => sim.close());
afterEach(async () => {
  await receiver?.close();
});

/** The product's guarded call: the user's phone answers, hears a <Gather>, and only a key leads to the <Dial>. */
async function guardedCall(user: HandsetBehaviour, twiml: string, confirmTwiml?: string) {
  receiver = await startReceiver(sim.authToken);
  sim.control.setBehaviour(USER, user);
  sim.control.setBehaviour(DEST, { kind: 'answer', answerAfterS: 2, hangupAfterS: 10 });
  receiver.respond('/twiml', twiml);
  receiver.respond('/confirm', confirmTwiml ?? `<Response><Dial action="/dial-action"><Number statusCallback="/child">${DEST}</Number></Dial></Response>`);
  receiver.respond('/dial-action', '<Response><Hangup/></Response>');
  const call = await client.calls.create({
    to: USER, from: CALLER_ID, url: receiver.url('/twiml'), statusCallback: receiver.url('/parent'),
    statusCallbackEvent: ['answered', 'completed'],
  });
  await sim.control.waitForIdle();
  return call.sid;
}

const PRESS_ONE = '<Response><Gather numDigits="1" action="/confirm" timeout="5"><Say>Press 1 to connect</Say></Gather><Say>Goodbye</Say></Response>';

function finalParentCallback(sid: string) {
  const callbacks = callbacksOf(receiver.received, sid, '/parent');
  return callbacks.at(-1)!.params;
}

describe('<Gather> parsing', () => {
  it('reads every attribute and the nested prompt', () => {
    const [gather] = parseTwiml('<Response><Gather action="/next" method="GET" timeout="8" numDigits="2" finishOnKey="*" actionOnEmptyResult="true" input="dtmf speech">' +
      '<Say>Hi</Say><Pause length="2"/><Play>https://a/b.mp3</Play></Gather></Response>');
    expect(gather).toEqual({ verb: 'Gather', gather: {
      action: '/next', method: 'GET', timeoutS: 8, numDigits: 2, finishOnKey: '*', actionOnEmptyResult: true, input: 'dtmf speech',
      prompt: [{ verb: 'Say', text: 'Hi', loop: 1 }, { verb: 'Pause', lengthS: 2 }, { verb: 'Play', url: 'https://a/b.mp3', loop: 1 }],
    } });
  });

  it("applies Twilio's defaults: current document, POST, 5 s, unlimited digits, '#', no empty action, dtmf", () => {
    expect(parseTwiml('<Response><Gather/></Response>')[0]).toEqual({ verb: 'Gather', gather: {
      action: null, method: 'POST', timeoutS: 5, numDigits: null, finishOnKey: '#', actionOnEmptyResult: false, input: 'dtmf', prompt: [],
    } });
    expect(parseTwiml('<Response><Gather finishOnKey="" numDigits="0"/></Response>')[0]).toMatchObject({ gather: { finishOnKey: '', numDigits: null } });
  });
});

describe('<Gather> on a live call (real twilio SDK, signed webhooks)', () => {
  it('press 1: the action gets Digits=1 and the <Dial> it returns connects the destination', async () => {
    const P = await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '1' }, PRESS_ONE);
    const [confirm] = receiver.on('/confirm');
    expect(receiver.on('/confirm')).toHaveLength(1);
    expect(confirm!.method).toBe('POST');
    expect(confirm!.params).toMatchObject({ CallSid: P, CallStatus: 'in-progress', Direction: 'outbound-api', From: CALLER_ID, To: USER, Digits: '1', FinishedOnKey: '' });
    const child = receiver.on('/child');
    expect(child.map((r) => r.params)).toEqual([expect.objectContaining({ ParentCallSid: P, CallStatus: 'completed', CallDuration: '10' })]);
    expect(receiver.on('/dial-action')[0]!.params).toMatchObject({ DialCallStatus: 'completed', DialBridged: 'true' });
    // The key came 1 s into the <Gather> (and cut the prompt short); then child setup 1 s, ringing 2 s, talk 10 s.
    expect(finalParentCallback(P)).toMatchObject({ CallStatus: 'completed', CallDuration: '14' });
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
  });

  it('voicemail: no key, no action request; the next verb runs and the call ends, Gather seconds billed', async () => {
    const P = await guardedCall({ kind: 'voicemail', answerAfterS: 2 }, PRESS_ONE);
    expect(receiver.on('/confirm')).toEqual([]);
    expect(sim.control.calls().filter((c) => c.parent_call_sid === P)).toEqual([]);
    // Prompt 1.08 s + timeout 5 s + "Goodbye" 1 s.
    expect(finalParentCallback(P)).toMatchObject({ CallStatus: 'completed', CallDuration: '7', Duration: '1' });
    expect((await client.calls(P).fetch()).duration).toBe('7');
  });

  it('voicemail with nothing after the <Gather>: the call ends completed after the timeout', async () => {
    const P = await guardedCall({ kind: 'voicemail', answerAfterS: 2 }, '<Response><Gather numDigits="1" action="/confirm" timeout="4"/></Response>');
    expect(receiver.on('/confirm')).toEqual([]);
    expect(finalParentCallback(P)).toMatchObject({ CallStatus: 'completed', CallDuration: '4' });
  });

  it('finishOnKey ends the input; the key is reported in FinishedOnKey, not in Digits', async () => {
    const P = await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '12#' }, '<Response><Gather action="/confirm"/><Say>unreachable</Say></Response>', '<Response><Hangup/></Response>');
    expect(receiver.on('/confirm').map((r) => [r.params.Digits, r.params.FinishedOnKey])).toEqual([['12', '#']]);
    // Keys at 1, 2 and 3 s; the action's <Hangup/> replaces the rest of the document.
    expect(finalParentCallback(P).CallDuration).toBe('3');
  });

  it('a custom finishOnKey; with finishOnKey="" the # is just another digit', async () => {
    await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '4#*' }, '<Response><Gather action="/confirm" finishOnKey="*"/></Response>', '<Response/>');
    expect(receiver.on('/confirm').map((r) => [r.params.Digits, r.params.FinishedOnKey])).toEqual([['4#', '*']]);
    await receiver.close();
    await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '4#' }, '<Response><Gather action="/confirm" finishOnKey="" numDigits="2"/></Response>', '<Response/>');
    expect(receiver.on('/confirm').map((r) => [r.params.Digits, r.params.FinishedOnKey])).toEqual([['4#', '']]);
  });

  it('timeout after a digit sends what was typed; the timeout restarts with each key', async () => {
    const P = await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '12' }, '<Response><Gather action="/confirm" timeout="3"/></Response>', '<Response><Hangup/></Response>');
    expect(receiver.on('/confirm').map((r) => [r.params.Digits, r.params.FinishedOnKey])).toEqual([['12', '']]);
    // Keys at 1 and 2 s, then 3 s without a key.
    expect(finalParentCallback(P).CallDuration).toBe('5');
  });

  it('actionOnEmptyResult="true" sends Digits="" and the action TwiML replaces the rest of the document', async () => {
    const P = await guardedCall({ kind: 'voicemail', answerAfterS: 1 },
      '<Response><Gather numDigits="1" action="/confirm" actionOnEmptyResult="true" timeout="3"/><Redirect>/unreachable</Redirect></Response>',
      '<Response><Say>We could not hear a key</Say></Response>');
    expect(receiver.on('/confirm').map((r) => r.params)).toEqual([expect.objectContaining({ Digits: '', FinishedOnKey: '', CallStatus: 'in-progress' })]);
    expect(receiver.on('/unreachable')).toEqual([]);
    expect(finalParentCallback(P)).toMatchObject({ CallStatus: 'completed', CallDuration: '4' });
  });

  it('without an action the current document is requested again (with its method)', async () => {
    receiver = await startReceiver(sim.authToken);
    sim.control.setBehaviour(USER, { kind: 'answer', answerAfterS: 1, digits: '7' });
    receiver.respond('/menu', (params) => (params.Digits ? '<Response><Hangup/></Response>' : '<Response><Gather numDigits="1" method="GET"/></Response>'));
    const call = await client.calls.create({ to: USER, from: CALLER_ID, url: receiver.url('/menu?step=1') });
    await sim.control.waitForIdle();
    const menu = receiver.on('/menu');
    expect(menu.map((r) => [r.method, r.params.step, r.params.Digits])).toEqual([['POST', '1', undefined], ['GET', '1', '7']]);
    expect(menu[1]!.params.CallSid).toBe(call.sid);
    expect(menu.every((r) => r.signatureValid)).toBe(true);
  });

  it('keys the handset presses outside a <Gather> are lost; each <Gather> gets its own presses', async () => {
    await guardedCall({ kind: 'answer', answerAfterS: 1, digits: '9' },
      '<Response><Pause length="3"/><Gather numDigits="1" action="/confirm"/></Response>',
      '<Response><Gather numDigits="1" action="/again"/></Response>');
    expect(receiver.on('/confirm').map((r) => r.params.Digits)).toEqual(['9']);
    expect(receiver.on('/again').map((r) => r.params.Digits)).toEqual(['9']);
  });

  it('hanging up during a <Gather> sends no action request', async () => {
    receiver = await startReceiver(sim.authToken);
    sim.control.setBehaviour(USER, { kind: 'answer', answerAfterS: 1, hangupAfterS: 2 });
    receiver.respond('/twiml', '<Response><Gather action="/confirm" timeout="10"><Say>Press 1 to connect</Say></Gather></Response>');
    const call = await client.calls.create({ to: USER, from: CALLER_ID, url: receiver.url('/twiml'), statusCallback: receiver.url('/parent') });
    await sim.control.waitForIdle();
    expect(receiver.on('/confirm')).toEqual([]);
    expect(finalParentCallback(call.sid)).toMatchObject({ CallStatus: 'completed', CallDuration: '2' });
  });
});
