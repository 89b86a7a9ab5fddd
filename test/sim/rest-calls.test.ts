import twilio from 'twilio';
import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, callbacksOf, secondsBetween, startReceiver } from './helpers/receiver.js';
import { restError } from './helpers/errors.js';

const FROM = '+15005550006';
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
});
afterEach(async () => {
  await sim.control.waitForIdle();
  await receiver.close();
});


describe('createTwilioClient', () => {
  it('points the api, pricing and verify domains at apiBase and leaves the others alone', () => {
    const redirected = createTwilioClient({ accountSid: sim.accountSid, authToken: 'x', apiBase: `${sim.url}/` });
    expect(redirected.api.baseUrl).toBe(sim.url);
    expect(redirected.pricing.baseUrl).toBe(sim.url);
    expect(redirected.verify.baseUrl).toBe(sim.url);
    expect(redirected.messaging.baseUrl).toBe('https://messaging.twilio.com');
  });
  it('with real credentials and no apiBase, talks to Twilio itself', () => {
    const real = createTwilioClient({ accountSid: 'AC' + 'a'.repeat(32), authToken: 'secret' });
    expect(real.api.baseUrl).toBe('https://api.twilio.com');
    expect(real.pricing.baseUrl).toBe('https://pricing.twilio.com');
    expect(real.verify.baseUrl).toBe('https://verify.twilio.com');
  });
});

describe('Calls: create, fetch, update, list', () => {
  it('creates with every parameter the product sends, sent on the wire as Twilio expects', async () => {
    receiver.respond('/twiml', '<Response><Pause length="3"/></Response>');
    const call = await client.calls.create({
      to: '+15005550110', from: FROM, url: receiver.url('/twiml?x=1'), method: 'GET', statusCallback: receiver.url('/status'),
      statusCallbackEvent: ['initiated', 'completed'], statusCallbackMethod: 'GET', timeout: 15, timeLimit: 600,
    });
    expect(call).toMatchObject({ status: 'queued', to: '+15005550110', toFormatted: '(500) 555-0110', from: FROM, apiVersion: '2010-04-01', priceUnit: 'USD' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    const wire = sim.control.log({ kind: 'rest' }).at(-1)!;
    expect(wire.params.StatusCallbackEvent).toEqual(['initiated', 'completed']);
    await sim.control.waitForIdle();
    const twiml = receiver.on('/twiml');
    expect(twiml).toHaveLength(1);
    expect(twiml[0]!.method).toBe('GET');
    expect(twiml[0]!.params).toMatchObject({ x: '1', CallSid: call.sid, CallStatus: 'in-progress' });
    expect(twiml[0]!.signatureValid).toBe(true);
    const status = callbacksOf(receiver.received, call.sid, '/status');
    expect(status.map((r) => [r.method, r.params.CallStatus, r.params.SequenceNumber])).toEqual([['GET', 'initiated', '0'], ['GET', 'completed', '1']]);
    expect(status.every((r) => r.signatureValid)).toBe(true);
    const fetched = await client.calls(call.sid).fetch();
    expect(fetched).toMatchObject({ status: 'completed', duration: '3' });
    expect(fetched.startTime).toBeInstanceOf(Date);
    expect(fetched.endTime).toBeInstanceOf(Date);
  });

  it('without StatusCallbackEvent only "completed" is sent; a failing callback is a 15003 warning', async () => {
    receiver.respond('/twiml', '<Response><Hangup/></Response>');
    const call = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/twiml'), statusCallback: receiver.url('/status') });
    const failing = await client.calls.create({ to: '+15005550200', from: FROM, url: receiver.url('/twiml'), statusCallback: 'http://127.0.0.1:1/unreachable' });
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, call.sid, '/status').map((r) => [r.params.CallStatus, r.params.SequenceNumber])).toEqual([['completed', '0']]);
    expect(sim.control.notices().filter((n) => n.code === 15003).map((n) => n.callSid)).toEqual([failing.sid]);
  });

  it('a single space-joined StatusCallbackEvent is not understood (one field per event is required)', async () => {
    receiver.respond('/twiml', '<Response><Hangup/></Response>');
    const response = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Calls.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: '+15005550100', From: FROM, Url: receiver.url('/twiml'), StatusCallback: receiver.url('/status'), StatusCallbackEvent: 'initiated ringing answered completed' }).toString(),
    });
    const { sid } = (await response.json()) as { sid: string };
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, sid, '/status').map((r) => r.params.CallStatus)).toEqual(['completed']);
  });

  it('runs inline Twiml and falls back to FallbackUrl with ErrorCode when the Url fails', async () => {
    const inline = await client.calls.create({ to: '+15005550100', from: FROM, twiml: '<Response><Say>hi</Say></Response>' });
    const viaFallback = await client.calls.create({
      to: '+15005550100', from: FROM, url: receiver.url('/broken'), fallbackUrl: receiver.url('/fallback'),
    });
    receiver.respond('/broken', 'this is not xml');
    receiver.respond('/fallback', '<Response><Hangup/></Response>');
    await sim.control.waitForIdle();
    expect((await client.calls(inline.sid).fetch()).status).toBe('completed');
    expect(receiver.on('/fallback')[0]!.params).toMatchObject({ CallSid: viaFallback.sid, ErrorCode: '12100', ErrorUrl: receiver.url('/broken') });
    expect(sim.control.notices().some((n) => n.callSid === viaFallback.sid && n.code === 12100)).toBe(true);
  });

  it('enforces REST TimeLimit, also when changed on a live call', async () => {
    receiver.respond('/twiml', '<Response><Pause length="600"/></Response>');
    const limited = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/twiml'), timeLimit: 20, statusCallback: receiver.url('/s1') });
    const changed = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/twiml'), timeLimit: 300, statusCallback: receiver.url('/s2'), statusCallbackEvent: ['answered', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/s2').length > 0);
    await client.calls(changed.sid).update({ timeLimit: 45 });
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, limited.sid, '/s1')[0]!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '20' });
    const [answered, completed] = callbacksOf(receiver.received, changed.sid, '/s2');
    expect(completed!.params.CallDuration).toBe('45');
    expect(secondsBetween(answered!.params.Timestamp, completed!.params.Timestamp)).toBe(45);
  });

  it('cancel while queued sends no callbacks; while ringing ends canceled; on an answered call does nothing', async () => {
    sim.control.holdQueue(true);
    const queued = await client.calls.create({ to: '+15005550300', from: FROM, url: receiver.url('/t'), statusCallback: receiver.url('/q'), statusCallbackEvent: ['initiated', 'ringing', 'completed'] });
    const canceled = await client.calls(queued.sid).update({ status: 'canceled' });
    expect(canceled.status).toBe('canceled');
    sim.control.holdQueue(false);

    const ringing = await client.calls.create({ to: '+15005550300', from: FROM, url: receiver.url('/t'), statusCallback: receiver.url('/r'), statusCallbackEvent: ['ringing', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/r').length > 0);
    expect((await client.calls(ringing.sid).update({ status: 'canceled' })).status).toBe('canceled');

    receiver.respond('/long', '<Response><Pause length="30"/></Response>');
    const live = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/long'), statusCallback: receiver.url('/l'), statusCallbackEvent: ['answered', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/l').length > 0);
    expect((await client.calls(live.sid).update({ status: 'canceled' })).status).toBe('in-progress');
    await sim.control.waitForIdle();
    expect(receiver.on('/q')).toHaveLength(0);
    expect(callbacksOf(receiver.received, ringing.sid, '/r').map((r) => [r.params.CallStatus, r.params.SipResponseCode])).toEqual([['ringing', undefined], ['canceled', '487']]);
    expect(callbacksOf(receiver.received, live.sid, '/l').at(-1)!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '30' });
  });

  it('deletes a finished call (then 20404); a live one is refused', async () => {
    const done = await client.calls.create({ to: '+15005550200', from: FROM, url: receiver.url('/t') });
    await sim.control.waitFor(() => sim.control.calls().find((c) => c.sid === done.sid)?.status === 'busy');
    sim.control.holdQueue(true);
    const live = await client.calls.create({ to: '+15005550300', from: FROM, url: receiver.url('/t') });
    expect(await client.calls(done.sid).remove()).toBe(true);
    expect(await restError(client.calls(done.sid).fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(client.calls(live.sid).remove())).toMatchObject({ status: 400, code: 21220 });
    await client.calls(live.sid).update({ status: 'canceled' });
    sim.control.holdQueue(false);
  });

  it('lists with filters and pages through next_page_uri', async () => {
    receiver.respond('/twiml', '<Response><Dial><Number>+15005550100</Number></Dial></Response>');
    const created: Array<{ sid: string }> = [];
    for (let i = 0; i < 5; i++) created.push(await client.calls.create({ to: '+15005550110', from: FROM, url: receiver.url('/twiml') }));
    await sim.control.waitForIdle();
    const listed = await client.calls.list({ to: '+15005550110', pageSize: 2 });
    const mine = listed.filter((c) => created.some((k) => k.sid === c.sid));
    expect(mine.map((c) => c.sid)).toEqual(created.map((c) => c.sid).reverse());
    const pages = sim.control.log({ kind: 'rest' }).filter((e) => e.method === 'GET' && e.url.includes('Calls.json?'));
    expect(pages.some((e) => e.url.includes('Page=1') && e.url.includes('PageToken=PA'))).toBe(true);

    const children = await client.calls.list({ parentCallSid: created[0]!.sid });
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ direction: 'outbound-dial', parentCallSid: created[0]!.sid, to: '+15005550100' });
    expect(await client.calls.list({ status: 'busy', to: '+15005550110' })).toHaveLength(0);
    const after = await client.calls.list({ startTimeAfter: new Date(Date.now() - 3_600_000), to: '+15005550110' });
    expect(after.length).toBeGreaterThanOrEqual(5);
    expect(await client.calls.list({ startTimeBefore: new Date('2001-01-01T00:00:00Z') })).toHaveLength(0);
    const envelope = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Calls.json?To=%2B15005550110&PageSize=2&Page=1`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(envelope).toMatchObject({ page: 1, page_size: 2, start: 2, end: 3 });
    expect(String(envelope.previous_page_uri)).toContain('Page=0');
  });
});

describe('redirecting a live call', () => {
  it('Twiml or Url on an in-progress call replaces the running TwiML', async () => {
    receiver.respond('/long', '<Response><Pause length="600"/></Response>');
    receiver.respond('/next', '<Response><Pause length="3"/><Hangup/></Response>');
    const inline = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/long'), statusCallback: receiver.url('/a'), statusCallbackEvent: ['answered', 'completed'] });
    const byUrl = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/long'), statusCallback: receiver.url('/b'), statusCallbackEvent: ['answered', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/a').length > 0 && receiver.on('/b').length > 0);
    expect((await client.calls(inline.sid).update({ twiml: '<Response><Hangup/></Response>' })).status).toBe('in-progress');
    await client.calls(byUrl.sid).update({ url: receiver.url('/next'), method: 'GET' });
    await sim.control.waitForIdle();
    expect(Number(callbacksOf(receiver.received, inline.sid, '/a')[1]!.params.CallDuration)).toBeLessThan(600);
    expect(receiver.on('/next')).toMatchObject([{ method: 'GET', params: { CallSid: byUrl.sid, CallStatus: 'in-progress' } }]);
    const [answered, completed] = callbacksOf(receiver.received, byUrl.sid, '/b');
    expect(secondsBetween(answered!.params.Timestamp, completed!.params.Timestamp)).toBeLessThan(600);
    expect(Number(completed!.params.CallDuration)).toBeGreaterThanOrEqual(3);
  });

  it('redirecting the parent out of a <Dial> hangs up the child and skips the action', async () => {
    receiver.respond('/dial', '<Response><Dial action="/action"><Number statusCallback="/child" statusCallbackEvent="answered completed">+15005550100</Number></Dial></Response>');
    receiver.respond('/after', '<Response><Hangup/></Response>');
    const call = await client.calls.create({ to: '+15005550100', from: FROM, url: receiver.url('/dial') });
    await sim.control.waitFor(() => receiver.on('/child').length > 0);
    await client.calls(call.sid).update({ url: receiver.url('/after') });
    await sim.control.waitForIdle();
    expect(receiver.on('/child').map((r) => r.params.CallStatus)).toEqual(['in-progress', 'completed']);
    expect(receiver.on('/action')).toHaveLength(0);
    expect(receiver.on('/after')).toHaveLength(1);
    expect((await client.calls(call.sid).fetch()).status).toBe('completed');
  });
});

describe('errors with Twilio codes', () => {
  it('bad credentials: 401 / 20003', async () => {
    const wrong = createTwilioClient({ accountSid: sim.accountSid, authToken: 'wrong', apiBase: sim.url });
    const error = await restError(wrong.calls.list());
    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 401, code: 20003, moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    const other = createTwilioClient({ accountSid: 'AC' + 'f'.repeat(32), authToken: sim.authToken, apiBase: sim.url });
    expect(await restError(other.calls.list())).toMatchObject({ status: 401, code: 20003 });
  });

  it('unknown call SID: 404 / 20404', async () => {
    const sid = 'CA' + '0'.repeat(32);
    expect(await restError(client.calls(sid).fetch())).toMatchObject({ status: 404, code: 20404, message: `The requested resource /2010-04-01/Accounts/${sim.accountSid}/Calls/${sid}.json was not found` });
    expect(await restError(client.calls(sid).update({ status: 'completed' }))).toMatchObject({ status: 404, code: 20404 });
  });

  it('invalid numbers and parameters on create', async () => {
    const url = receiver.url('/t');
    expect(await restError(client.calls.create({ to: '12345', from: FROM, url }))).toMatchObject({ status: 400, code: 21211, message: "The 'To' number 12345 is not a valid phone number." });
    expect(await restError(client.calls.create({ to: '+15005550001', from: FROM, url }))).toMatchObject({ status: 400, code: 21211 });
    expect(await restError(client.calls.create({ to: '+15005550100', from: '+15551234567', url }))).toMatchObject({ status: 400, code: 21210 });
    expect(await restError(client.calls.create({ to: '+15005550100', from: 'nope', url }))).toMatchObject({ status: 400, code: 21212 });
    expect(await restError(client.calls.create({ to: '+15005550100', from: FROM } as never))).toMatchObject({ status: 400, code: 21205 });
    expect(await restError(client.calls.create({ to: '+15005550100', from: FROM, url: 'not a url' }))).toMatchObject({ status: 400, code: 21205 });
    expect(await restError(client.calls.create({ to: '+15005550100', from: FROM, url, timeout: 601 }))).toMatchObject({ status: 400, code: 21208 });
    expect(sim.control.calls().some((c) => c.to === '12345')).toBe(false);
  });

  it('redirecting a call that is not in progress: 400 / 21220', async () => {
    const call = await client.calls.create({ to: '+15005550300', from: FROM, url: receiver.url('/t') });
    expect(await restError(client.calls(call.sid).update({ url: receiver.url('/elsewhere') }))).toMatchObject({ status: 400, code: 21220 });
    await client.calls(call.sid).update({ status: 'canceled' });
  });

  it('wrong-case paths are not found: 404 / 20404', async () => {
    const response = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/calls.json`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 20404, status: 404, more_info: 'https://www.twilio.com/docs/errors/20404' });
  });
});
