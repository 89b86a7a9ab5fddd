import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readWavInfo } from '../../src/shared/wav.js';
import { mp3DurationMs } from '../../src/sim/mp3.js';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { restError } from './helpers/errors.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

const SPEED = 200;
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
  sim.control.clearFaults();
  await receiver?.close();
});

/** The product's bridge with recording: notice to the user, whisper to DEST, record-from-answer-dual. */
async function recordedCall(options: { talkS: number; record?: string; events?: string }) {
  receiver = await startReceiver(sim.authToken);
  sim.control.setBehaviour(USER, { kind: 'answer', answerAfterS: 1 });
  // DEST hangs up talkS after the whisper (1.32 s of <Say>) ends, plus a little: the recording lasts talkS whole seconds.
  sim.control.setBehaviour(DEST, { kind: 'answer', answerAfterS: 2, hangupAfterS: options.talkS + 1.5 });
  receiver.respond('/twiml', `<Response><Say>This call will be recorded.</Say><Dial callerId="${CALLER_ID}" action="/dial-action" record="${options.record ?? 'record-from-answer-dual'}"` +
    ` recordingStatusCallback="/recording" recordingStatusCallbackEvent="${options.events ?? 'in-progress completed absent'}">` +
    `<Number url="/whisper">${DEST}</Number></Dial></Response>`);
  receiver.respond('/whisper', '<Response><Say>This call is recorded.</Say></Response>');
  receiver.respond('/dial-action', '<Response><Hangup/></Response>');
  const call = await client.calls.create({ to: USER, from: CALLER_ID, url: receiver.url('/twiml'), statusCallback: receiver.url('/status') });
  await sim.control.waitForIdle(20_000);
  return call.sid;
}

describe('recording a <Dial>', () => {
  it('sends in-progress then completed, signed, naming the parent call, after both consent notices', async () => {
    const parentSid = await recordedCall({ talkS: 5 });
    const callbacks = receiver.on('/recording');
    expect(callbacks.map((c) => c.params.RecordingStatus)).toEqual(['in-progress', 'completed']);
    expect(callbacks.every((c) => c.signatureValid)).toBe(true);
    const done = callbacks[1]!.params;
    expect(done).toMatchObject({ CallSid: parentSid, RecordingChannels: '2', RecordingSource: 'DialVerb', RecordingDuration: '5', ErrorCode: '0', AccountSid: sim.accountSid });
    expect(done.RecordingUrl).toBe(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Recordings/${done.RecordingSid}`);
    expect(callbacks[0]!.params.RecordingDuration).toBeUndefined();
    // The whisper was fetched (and played) before the recording started; the action carries RecordingUrl first.
    const whisper = receiver.on('/whisper')[0]!;
    expect(whisper.order).toBeLessThan(callbacks[0]!.order);
    expect(whisper.params.ParentCallSid).toBe(parentSid);
    const action = receiver.on('/dial-action')[0]!;
    expect(action.params.RecordingUrl).toBe(done.RecordingUrl);
    expect(action.order).toBeLessThan(callbacks[1]!.order);
    // The user's notice (a <Say> before <Dial>) and DEST's whisper both end before the recording's start time.
    const childAnswered = sim.control.calls().find((c) => c.parent_call_sid === parentSid)!;
    const recording = await client.recordings(done.RecordingSid!).fetch();
    expect(new Date(recording.startTime).getTime()).toBeGreaterThan(new Date(childAnswered.start_time!).getTime() + 1000);
  });

  it('serves the Recording resource and its media through the SDK and Basic auth, then deletes it', async () => {
    const parentSid = await recordedCall({ talkS: 4 });
    const [rec] = await client.recordings.list({ callSid: parentSid });
    expect(rec).toMatchObject({ callSid: parentSid, status: 'completed', channels: 2, duration: '4', source: 'DialVerb', priceUnit: 'USD', price: '-0.00250' });
    const underCall = await client.calls(parentSid).recordings(rec!.sid).fetch();
    expect(underCall.track).toBe('both');

    const auth = `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}`;
    const mediaUrl = `${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Recordings/${rec!.sid}`;
    expect((await fetch(`${mediaUrl}.wav`)).status).toBe(401);
    const wav = await fetch(`${mediaUrl}.wav`, { headers: { Authorization: auth } });
    expect(wav.headers.get('content-type')).toBe('audio/x-wav');
    const info = readWavInfo(new Uint8Array(await wav.arrayBuffer()));
    expect(info).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16, durationMs: 4000 });
    const mono = readWavInfo(new Uint8Array(await (await fetch(`${mediaUrl}?RequestedChannels=1`, { headers: { Authorization: auth } })).arrayBuffer()));
    expect(mono?.channels).toBe(1);
    const mp3 = await fetch(`${mediaUrl}.mp3`, { headers: { Authorization: auth } });
    expect(mp3.headers.get('content-type')).toBe('audio/mpeg');
    const mp3Bytes = new Uint8Array(await mp3.arrayBuffer());
    expect([mp3Bytes[0], mp3Bytes[1]]).toEqual([0xff, 0xfb]);
    expect(Math.abs(mp3DurationMs(mp3Bytes.length) - 4000)).toBeLessThan(40);

    expect(await client.recordings(rec!.sid).remove()).toBe(true);
    expect((await restError(client.recordings(rec!.sid).fetch())).code).toBe(20404);
    expect((await client.recordings(rec!.sid).fetch({ includeSoftDeleted: true })).status).toBe('deleted');
    expect((await fetch(`${mediaUrl}.wav`, { headers: { Authorization: auth } })).status).toBe(404);
    expect(await client.recordings.list({ callSid: parentSid })).toHaveLength(0);
  });

  it('fails a recording under the failRecordings fault: a failed callback, no media', async () => {
    sim.control.setFaults({ failRecordings: true }, DEST);
    const parentSid = await recordedCall({ talkS: 3 });
    const statuses = receiver.on('/recording').map((c) => c.params.RecordingStatus);
    expect(statuses).toEqual(['in-progress', 'failed']);
    const [rec] = await client.recordings.list({ callSid: parentSid });
    expect(rec).toMatchObject({ status: 'failed', errorCode: 16106, duration: null });
  });

  it('mono without -dual, only subscribed events, and shows "recording" on the handset page while it runs', async () => {
    receiver = await startReceiver(sim.authToken);
    sim.control.setBehaviour(USER, { kind: 'answer', answerAfterS: 1 });
    sim.control.setBehaviour(DEST, { kind: 'manual' });
    receiver.respond('/twiml', `<Response><Dial record="record-from-answer" recordingStatusCallback="/recording"><Number>${DEST}</Number></Dial></Response>`);
    await client.calls.create({ to: USER, from: CALLER_ID, url: receiver.url('/twiml') });
    await sim.control.waitFor(() => sim.control.press(DEST, 'answer'), 10_000);
    const page = async () => (await fetch(`${sim.url}/handsets`)).text();
    await sim.control.waitFor(() => sim.control.calls().some((c) => c.to === DEST && c.status === 'in-progress'));
    expect(await page()).toContain('recording');
    await new Promise((r) => setTimeout(r, 20));
    sim.control.press(DEST, 'hangup');
    await sim.control.waitForIdle(20_000);
    expect(await page()).not.toContain('● recording');
    const callbacks = receiver.on('/recording');
    expect(callbacks.map((c) => c.params.RecordingStatus)).toEqual(['completed']);
    expect(callbacks[0]!.params.RecordingChannels).toBe('1');
  });

  it('reports an invalid record value (13217) and records nothing', async () => {
    await recordedCall({ talkS: 2, record: 'sometimes' });
    expect(receiver.on('/recording')).toHaveLength(0);
    expect(sim.control.notices().some((n) => n.code === 13217)).toBe(true);
  });
});
