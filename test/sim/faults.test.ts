import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';
import { restError } from './helpers/errors.js';

const FROM = '+15005550006';
const EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 1000 });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
});
afterAll(() => sim.close());
beforeEach(async () => {
  receiver = await startReceiver(sim.authToken);
  receiver.respond('/twiml', '<Response><Pause length="5"/></Response>');
});
afterEach(async () => {
  await sim.control.waitForIdle();
  sim.control.clearFaults();
  await receiver.close();
});

async function call(to: string) {
  return client.calls.create({ to, from: FROM, url: receiver.url('/twiml'), statusCallback: receiver.url('/status'), statusCallbackEvent: EVENTS });
}


const statusOf = (sid: string) => receiver.on('/status').filter((r) => r.params.CallSid === sid);

describe('webhook faults', () => {
  it('duplicates every status callback of a faulty number, signed and identical', async () => {
    sim.control.setFaults({ duplicateWebhooks: true }, '+15005550110');
    const faulty = await call('+15005550110');
    const healthy = await call('+15005550100');
    await sim.control.waitForIdle();
    const received = statusOf(faulty.sid);
    expect(received).toHaveLength(8);
    for (const seq of ['0', '1', '2', '3']) {
      const copies = received.filter((r) => r.params.SequenceNumber === seq);
      expect(copies).toHaveLength(2);
      expect(copies[0]!.params).toEqual(copies[1]!.params);
    }
    expect(received.every((r) => r.signatureValid)).toBe(true);
    expect(statusOf(healthy.sid)).toHaveLength(4);
    expect(sim.control.log({ callSid: faulty.sid }).filter((e) => e.delivery === 'duplicate')).toHaveLength(4);
  });

  it('shuffles delivery order (globally), never losing a callback', async () => {
    sim.control.setFaults({ shuffleWebhooks: true });
    const c = await call('+15005550110');
    await sim.control.waitForIdle();
    const sent = sim.control.log({ callSid: c.sid, kind: 'status-callback' }).map((e) => e.params.SequenceNumber);
    expect(sent).toHaveLength(4);
    expect(sent).not.toEqual(['0', '1', '2', '3']);
    expect([...sent].sort()).toEqual(['0', '1', '2', '3']);
    expect(statusOf(c.sid).map((r) => r.params.SequenceNumber).sort()).toEqual(['0', '1', '2', '3']);
  });

  it('delays delivery by simulated time', async () => {
    sim.control.setFaults({ delayWebhooksMs: 200_000 }, '+15005550200');
    const started = performance.now();
    const c = await call('+15005550200');
    await sim.control.waitForIdle();
    // 200 simulated seconds are 200 ms at speed 1000; undelayed, this busy call is over in a few ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(statusOf(c.sid).map((r) => r.params.CallStatus).sort()).toEqual(['busy', 'initiated']);
  });

  it('drops status callbacks but still fetches TwiML', async () => {
    sim.control.setFaults({ dropStatusCallbacks: true }, '+15005550110');
    const c = await call('+15005550110');
    await sim.control.waitForIdle();
    expect(statusOf(c.sid)).toHaveLength(0);
    expect(receiver.on('/twiml')).toHaveLength(1);
    expect(sim.control.log({ callSid: c.sid, kind: 'status-callback' }).map((e) => e.delivery)).toEqual(['dropped', 'dropped', 'dropped', 'dropped']);
    expect((await client.calls(c.sid).fetch()).status).toBe('completed');
  });
});

describe('REST faults', () => {
  it('fails the next N requests with 503 / 500 / 429, then recovers', async () => {
    sim.control.setFaults({ restFailure: { status: 503, count: 2 } });
    expect(await restError(client.calls.list())).toMatchObject({ status: 503, code: 20503 });
    expect(await restError(client.pricing.v2.voice.countries.list())).toMatchObject({ status: 503 });
    await expect(client.calls.list({ limit: 1 })).resolves.toBeInstanceOf(Array);
    sim.control.setFaults({ restFailure: { status: 500, count: 1 } });
    expect(await restError(client.calls.list())).toMatchObject({ status: 500, code: 20500 });
    sim.control.setFaults({ restFailure: { status: 429, count: 1 } });
    expect(await restError(client.calls.list())).toMatchObject({ status: 429, code: 20429 });
  });

  it('per-number failures hit only calls to that number', async () => {
    sim.control.setFaults({ restFailure: { status: 500, count: 1 } }, '+15005550300');
    await expect(call('+15005550100')).resolves.toMatchObject({ status: 'queued' });
    expect(await restError(call('+15005550300'))).toMatchObject({ status: 500 });
    const retried = await call('+15005550300');
    await client.calls(retried.sid).update({ status: 'canceled' });
  });

  it('slows responses down', async () => {
    sim.control.setFaults({ slowRestMs: 150 });
    const started = performance.now();
    await client.calls.list({ limit: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});
