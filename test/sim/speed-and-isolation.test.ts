import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { callbacksOf, secondsBetween, startReceiver } from './helpers/receiver.js';

describe('speed', () => {
  it('a 75 s call takes well under a second of real time, with exact simulated durations and timestamps', async () => {
    const sim = await startSimulator({ port: 0, speed: 200 });
    const receiver = await startReceiver(sim.authToken);
    try {
      const client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
      const started = performance.now();
      const call = await client.calls.create({
        to: '+15005550175', from: sim.callerId, twiml: '<Response><Pause length="600"/></Response>',
        statusCallback: receiver.url('/s'), statusCallbackEvent: ['initiated', 'answered', 'completed'],
      });
      await sim.control.waitForIdle();
      const realMs = performance.now() - started;
      // 1 s setup + 5 s ringing + 75 s talk = 81 simulated seconds = 405 ms at speed 200.
      expect(realMs).toBeGreaterThanOrEqual(400);
      expect(realMs).toBeLessThan(1000);
      const [initiated, answered, completed] = callbacksOf(receiver.received, call.sid, '/s');
      expect(completed!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '75', Duration: '2' });
      expect(secondsBetween(initiated!.params.Timestamp, answered!.params.Timestamp)).toBe(6);
      expect(secondsBetween(answered!.params.Timestamp, completed!.params.Timestamp)).toBe(75);
      const fetched = await client.calls(call.sid).fetch();
      expect((fetched.endTime.getTime() - fetched.startTime.getTime()) / 1000).toBe(81);
    } finally {
      await receiver.close();
      await sim.close();
    }
  });
});

describe('isolation', () => {
  it('several simulators in one process keep their own numbers, calls and credentials', async () => {
    const [a, b] = await Promise.all([startSimulator({ port: 0, speed: 1000 }), startSimulator({ port: 0, speed: 1000, authToken: 'other-token' })]);
    try {
      a.control.setBehaviour('+15550007777', { kind: 'busy' });
      b.control.setBehaviour('+15550007777', { kind: 'unreachable' });
      const clientA = createTwilioClient({ accountSid: a.accountSid, authToken: a.authToken, apiBase: a.url });
      const clientB = createTwilioClient({ accountSid: b.accountSid, authToken: b.authToken, apiBase: b.url });
      const calls = await Promise.all([
        ...[1, 2, 3].map(() => clientA.calls.create({ to: '+15550007777', from: a.callerId, twiml: '<Response/>' })),
        ...[1, 2, 3].map(() => clientB.calls.create({ to: '+15550007777', from: b.callerId, twiml: '<Response/>' })),
      ]);
      await Promise.all([a.control.waitForIdle(), b.control.waitForIdle()]);
      expect(a.control.calls().map((c) => c.status)).toEqual(['busy', 'busy', 'busy']);
      expect(b.control.calls().map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
      expect(new Set(calls.map((c) => c.sid)).size).toBe(6);
      const crossed = createTwilioClient({ accountSid: a.accountSid, authToken: a.authToken, apiBase: b.url });
      await expect(crossed.calls.list()).rejects.toMatchObject({ status: 401, code: 20003 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
