import type { Twilio } from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { TwimlError, parseTwiml, parseXml } from '../../src/sim/twiml.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { callbacksOf, startReceiver } from './helpers/receiver.js';

describe('TwiML parsing', () => {
  it('reads the product Dial with its Number and attributes', () => {
    const verbs = parseTwiml(`<?xml version="1.0" encoding="UTF-8"?>
      <!-- bridge --><Response><Dial timeLimit="754" timeout="25" callerId="+15005550006" action="https://app.example/dial?a=1&amp;b=2" method="GET">
        <Number statusCallback="/status" statusCallbackEvent="initiated ringing answered completed">+442071838750</Number>
      </Dial></Response>`);
    expect(verbs).toEqual([{ verb: 'Dial', dial: {
      action: 'https://app.example/dial?a=1&b=2', method: 'GET', timeoutS: 25, timeLimitS: 754, callerId: '+15005550006', record: null, recordProblems: [],
      numbers: [{ number: '+442071838750', statusCallback: '/status', statusCallbackMethod: 'POST', statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'], url: null, method: 'POST' }],
    } }]);
  });

  it('reads the recording attributes of <Dial> and the whisper url of <Number>', () => {
    const [dial] = parseTwiml('<Response><Dial record="record-from-answer-dual" trim="trim-silence" recordingStatusCallback="/rec" recordingStatusCallbackMethod="GET" ' +
      'recordingStatusCallbackEvent="in-progress completed absent"><Number url="/whisper" method="GET">+15005550100</Number></Dial></Response>');
    expect(dial).toMatchObject({ dial: {
      record: { mode: 'record-from-answer-dual', trim: 'trim-silence', callback: '/rec', callbackMethod: 'GET', events: ['in-progress', 'completed', 'absent'], track: 'both' },
      numbers: [{ url: '/whisper', method: 'GET' }],
    } });
    const [legacy] = parseTwiml('<Response><Dial record="true">+15005550100</Dial></Response>');
    expect(legacy).toMatchObject({ dial: { record: { mode: 'record-from-answer', events: ['completed'] } } });
    const [bad] = parseTwiml('<Response><Dial record="constructor" recordingStatusCallbackEvent="done">+15005550100</Dial></Response>');
    expect(bad).toMatchObject({ dial: { record: null, recordProblems: [{ code: 13217 }, { code: 13621 }] } });
  });

  it('applies defaults: Dial timeout 30, timeLimit 4 h, Number callbacks only "completed"; bare numbers', () => {
    const [dial] = parseTwiml('<Response><Dial><Number statusCallback="https://x/s">+15005550100</Number></Dial></Response>');
    expect(dial).toMatchObject({ dial: { timeoutS: 30, timeLimitS: 14400, action: null, method: 'POST', numbers: [{ statusCallbackEvents: ['completed'] }] } });
    const [bare] = parseTwiml('<Response><Dial>+15005550100</Dial></Response>');
    expect(bare).toMatchObject({ dial: { numbers: [{ number: '+15005550100', statusCallback: null }] } });
  });

  it('reads Say, Play, Pause, Hangup, Redirect and marks unknown verbs', () => {
    expect(parseTwiml('<Response><Say loop="2">Hello &amp; bye</Say><Play>https://a/b.mp3</Play><Pause length="4"/><Redirect method="GET">/next</Redirect><Record/><Hangup/></Response>')).toEqual([
      { verb: 'Say', text: 'Hello & bye', loop: 2 }, { verb: 'Play', url: 'https://a/b.mp3', loop: 1 }, { verb: 'Pause', lengthS: 4 },
      { verb: 'Redirect', url: '/next', method: 'GET' }, { verb: 'Unsupported', name: 'Record' }, { verb: 'Hangup' },
    ]);
  });

  it('rejects malformed documents with 12100', () => {
    for (const bad of ['', 'hello', '<Response><Say></Response>', '<Response/><Extra/>', '<Say>x</Say>']) {
      expect(() => parseTwiml(bad)).toThrow(TwimlError);
    }
    expect(parseXml('<a x="1" y=\'2\'><![CDATA[<b>]]></a>')).toEqual({ name: 'a', attributes: { x: '1', y: '2' }, children: ['<b>'] });
  });
});

describe('TwiML execution', () => {
  let sim: RunningSimulator;
  let client: Twilio;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, speed: 1000 });
    client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
  });
  afterAll(() => sim.close());

  it('follows Redirect (relative URLs, GET), plays verbs in simulated time, resolves relative Dial URLs', async () => {
    const receiver = await startReceiver(sim.authToken);
    receiver.respond('/start', '<Response><Say>Connecting you now</Say><Pause length="2"/><Redirect method="GET">next?step=2</Redirect><Say>unreachable</Say></Response>');
    receiver.respond('/next', '<Response><Play>https://cdn.example/tone.mp3</Play><Dial action="done" method="GET"><Number statusCallback="child">+15005550110</Number></Dial></Response>');
    receiver.respond('/done', '<Response><Hangup/></Response>');
    const call = await client.calls.create({ to: '+15005550100', from: '+15005550006', url: receiver.url('/start'), statusCallback: receiver.url('/parent'), statusCallbackEvent: ['answered', 'completed'] });
    await sim.control.waitForIdle();
    const next = receiver.on('/next');
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ method: 'GET', params: { step: '2', CallSid: call.sid } });
    const child = receiver.on('/child');
    expect(child).toHaveLength(1);
    expect(child[0]!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '10', ParentCallSid: call.sid });
    expect(child[0]!.params.Duration).toBeUndefined();
    expect(receiver.on('/done')[0]).toMatchObject({ method: 'GET', params: { DialCallStatus: 'completed', DialCallDuration: '10' } });
    // Say (1.08 s) + Pause 2 s + Play 3 s + child setup 1 s + ringing 2 s + 10 s talk.
    expect(callbacksOf(receiver.received, call.sid, '/parent')[1]!.params.CallDuration).toBe('19');
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    await receiver.close();
  });

  it('without a Dial action, continues with the next verb; an invalid Dial number fails with warning 13223', async () => {
    const receiver = await startReceiver(sim.authToken);
    receiver.respond('/t', '<Response><Dial>+15005550200</Dial><Dial action="/after">not-a-number</Dial></Response>');
    const call = await client.calls.create({ to: '+15005550100', from: '+15005550006', url: receiver.url('/t') });
    await sim.control.waitForIdle();
    expect(receiver.on('/after')[0]!.params).toMatchObject({ DialCallStatus: 'failed', DialBridged: 'false' });
    expect(receiver.on('/after')[0]!.params.DialCallSid).toBeUndefined();
    expect(sim.control.notices()).toContainEqual(expect.objectContaining({ callSid: call.sid, code: 13223 }));
    expect(sim.control.calls().filter((c) => c.parent_call_sid === call.sid).map((c) => c.status)).toEqual(['busy']);
    await receiver.close();
  });

  it('an unreachable TwiML URL is retried once, then the call ends after the answer (11205)', async () => {
    const closed = await startReceiver(sim.authToken);
    const deadUrl = closed.url('/nothing-listens');
    await closed.close();
    const call = await client.calls.create({ to: '+15005550100', from: '+15005550006', url: deadUrl });
    await sim.control.waitForIdle();
    expect(sim.control.log({ callSid: call.sid, kind: 'twiml' }).map((e) => e.error)).toEqual([expect.stringContaining('ECONNREFUSED'), expect.stringContaining('ECONNREFUSED')]);
    expect((await client.calls(call.sid).fetch()).status).toBe('completed');
    expect(sim.control.notices()).toContainEqual(expect.objectContaining({ callSid: call.sid, code: 11205 }));
  });
});
