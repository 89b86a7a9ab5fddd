import request from 'supertest';
import type { Twilio } from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAGIC_NUMBERS, type RunningSimulator, createSimulatorApp, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, callbacksOf, startReceiver } from './helpers/receiver.js';

// Speed 20: a phone rings for 65 simulated seconds (3.25 s real) before timing out, plenty to press a button.
let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 20 });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
  receiver = await startReceiver(sim.authToken);
});
afterAll(async () => {
  await sim.control.waitForIdle();
  await receiver.close();
  await sim.close();
});

const json = (path: string) => fetch(sim.url + path).then((r) => r.json() as Promise<unknown>);
const send = (method: string, path: string, body?: unknown) =>
  fetch(sim.url + path, { method, headers: { 'Content-Type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe('JSON control API', () => {
  it('sets a number behaviour that the next call follows, and reads the request log', async () => {
    const set = await send('PUT', `/control/numbers/${encodeURIComponent('+15550001111')}`, { kind: 'busy' });
    expect(set.status).toBe(200);
    expect(await json(`/control/numbers/${encodeURIComponent('+15550001111')}`)).toMatchObject({ behaviour: { kind: 'busy' } });
    const call = await client.calls.create({ to: '+15550001111', from: '+15005550006', url: receiver.url('/t'), statusCallback: receiver.url('/s') });
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, call.sid, '/s')[0]!.params.CallStatus).toBe('busy');
    const log = (await json(`/control/log?callSid=${call.sid}`)) as Array<{ kind: string; direction: string; status?: number }>;
    expect(log.map((e) => [e.direction, e.kind])).toEqual([['outbound', 'status-callback']]);
    const rest = (await json('/control/log?kind=rest')) as Array<{ method: string; url: string; status: number }>;
    expect(rest.some((e) => e.method === 'POST' && e.url.endsWith('/Calls.json') && e.status === 201)).toBe(true);
    expect((await send('DELETE', `/control/numbers/${encodeURIComponent('+15550001111')}`)).status).toBe(204);
    expect(await json(`/control/numbers/${encodeURIComponent('+15550001111')}`)).toMatchObject({ behaviour: { kind: 'manual' } });
  });

  it('rejects malformed control requests with 400', async () => {
    expect((await send('PUT', `/control/numbers/${encodeURIComponent('+15550001111')}`, { kind: 'explode' })).status).toBe(400);
    expect((await send('PUT', '/control/numbers/12', { kind: 'busy' })).status).toBe(400);
    expect((await send('PUT', '/control/faults', { restFailure: { status: 418, count: 1 } })).status).toBe(400);
  });

  it('sets and clears faults', async () => {
    const put = await send('PUT', '/control/faults', { number: '+15550002222', dropStatusCallbacks: true });
    expect(await put.json()).toMatchObject({ numbers: { '+15550002222': { dropStatusCallbacks: true } } });
    expect((await send('DELETE', '/control/faults')).status).toBe(204);
    expect(await json('/control/faults')).toEqual({ global: {}, numbers: {} });
  });

  it('reads the last Verify code sent to a number', async () => {
    await client.verify.v2.services(sim.verifyServiceSid).verifications.create({ to: '+15550003333', channel: 'sms' });
    const { code } = (await json(`/control/numbers/${encodeURIComponent('+15550003333')}/verify-code`)) as { code: string };
    expect(code).toBe(sim.control.lastVerifyCode('+15550003333'));
    expect((await fetch(`${sim.url}/control/numbers/${encodeURIComponent('+15550009999')}/verify-code`)).status).toBe(404);
  });

  it('lists the built-in test numbers', async () => {
    expect(await json('/control/magic-numbers')).toEqual(MAGIC_NUMBERS);
  });
});

describe('handset page', () => {
  it('serves a CSP-strict page with htmx from the package and its own CSS, no inline script or style', async () => {
    const page = await fetch(`${sim.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/assets/htmx.min.js"></script>');
    expect(html).toContain('href="/assets/sim.css"');
    expect(html).not.toMatch(/<script>|<style|style="/);
    for (const m of MAGIC_NUMBERS) expect(html).toContain(m.number);
    expect((await fetch(`${sim.url}/assets/htmx.min.js`)).status).toBe(200);
    expect((await fetch(`${sim.url}/assets/sim.css`)).headers.get('content-type')).toContain('text/css');
  });

  it('a person answers a ringing phone, sees the call, and hangs up', async () => {
    const user = '+15550004444';
    receiver.respond('/long', '<Response><Pause length="600"/></Response>');
    const call = await client.calls.create({ to: user, from: '+15005550006', url: receiver.url('/long'), statusCallback: receiver.url('/u'), statusCallbackEvent: ['ringing', 'answered', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/u').length > 0, 3000);
    const ringing = await (await fetch(`${sim.url}/handsets`)).text();
    expect(ringing).toContain(user);
    expect(ringing).toContain('Ringing: call from +15005550006');
    const answered = await fetch(`${sim.url}/handsets/${encodeURIComponent(user)}/answer`, { method: 'POST', headers: { 'HX-Request': 'true' } });
    expect(await answered.text()).toContain('In a call with +15005550006');
    await sim.control.waitFor(() => receiver.on('/long').length === 1, 3000);
    const hangup = await fetch(`${sim.url}/handsets/${encodeURIComponent(user)}/hangup`, { method: 'POST', redirect: 'manual' });
    expect(hangup.status).toBe(303);
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, call.sid, '/u').map((r) => r.params.CallStatus)).toEqual(['ringing', 'in-progress', 'completed']);
    expect((await client.calls(call.sid).fetch()).status).toBe('completed');
  });

  it('Decline reports no-answer; the page shows a received Verify code', async () => {
    const user = '+15550005555';
    const call = await client.calls.create({ to: user, from: '+15005550006', url: receiver.url('/t'), statusCallback: receiver.url('/d'), statusCallbackEvent: ['ringing', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/d').length > 0, 3000);
    expect(sim.control.press(user, 'decline')).toBe(true);
    await sim.control.waitForIdle();
    expect(callbacksOf(receiver.received, call.sid, '/d').at(-1)!.params).toMatchObject({ CallStatus: 'no-answer', SipResponseCode: '603' });
    await client.verify.v2.services(sim.verifyServiceSid).verifications.create({ to: user, channel: 'sms' });
    expect(await (await fetch(`${sim.url}/handsets`)).text()).toContain(`Verification code received: <strong>${sim.control.lastVerifyCode(user)}</strong>`);
  });
});

describe('createSimulatorApp', () => {
  it('works in-process with supertest', async () => {
    const { app, accountSid, authToken } = createSimulatorApp();
    const response = await request(app).get(`/2010-04-01/Accounts/${accountSid}/Calls.json`).auth(accountSid, authToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ calls: [], page: 0, page_size: 50 });
  });
});
