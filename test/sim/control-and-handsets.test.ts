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
    // Without JavaScript the list does not refresh itself: a plain link reloads the page.
    expect(html).toContain('<a class="refresh" href="/">Refresh</a>');
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

/** Places a call to a manual phone, answers it by hand, and waits until its <Gather> listens for keys. */
async function gatheringCall(user: string, path: string) {
  receiver.respond(path, `<Response><Gather numDigits="1" timeout="600" action="${path}-confirm"><Say>Press 1 to connect</Say></Gather></Response>`);
  receiver.respond(`${path}-confirm`, '<Response><Hangup/></Response>');
  const call = await client.calls.create({ to: user, from: '+15005550006', url: receiver.url(path), statusCallback: receiver.url(`${path}-status`), statusCallbackEvent: ['ringing'] });
  await sim.control.waitFor(() => receiver.on(`${path}-status`).length > 0, 3000);
  expect(sim.control.press(user, 'answer')).toBe(true);
  const deadline = Date.now() + 3000;
  while (!(await (await fetch(`${sim.url}/handsets`)).text()).includes('waiting for you to press a key')) {
    if (Date.now() > deadline) throw new Error('the <Gather> never started listening');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return call.sid;
}

describe('keys: POST /control/numbers/{n}/press {"digits"} and Gather behaviours', () => {
  it('presses digits on a live call: the <Gather> action gets them', async () => {
    const user = '+15550006666';
    const sid = await gatheringCall(user, '/press');
    const press = await send('POST', `/control/numbers/${encodeURIComponent(user)}/press`, { digits: '1' });
    expect(press.status).toBe(200);
    expect(await press.json()).toEqual({ pressed: true, digits: '1', heard: true });
    await sim.control.waitForIdle();
    expect(receiver.on('/press-confirm').map((r) => r.params)).toEqual([expect.objectContaining({ CallSid: sid, Digits: '1', FinishedOnKey: '' })]);
  });

  it('refuses bad digits (400) and a phone in no call (409), in the control API error shape', async () => {
    const path = `/control/numbers/${encodeURIComponent('+15550007777')}/press`;
    for (const body of [{ digits: '12a' }, { digits: '' }, { digits: 1 }, { digits: '1'.repeat(33) }, { digits: '1', button: 'answer' }]) {
      const bad = await send('POST', path, body);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 20001, status: 400, message: expect.stringContaining('Invalid control request') });
    }
    expect(await (await send('POST', path, { digits: 'x' })).json()).toMatchObject({ message: expect.stringContaining('digits must be 1 to 32 of 0-9 * #') });
    const idle = await send('POST', path, { digits: '1' });
    expect(idle.status).toBe(409);
    expect(await idle.json()).toEqual({ code: 21220, status: 409, message: 'No live call on +15550007777: keys can only be pressed during a call', more_info: 'https://www.twilio.com/docs/errors/21220' });
    expect(() => sim.control.pressDigits('+15550007777', '1x')).toThrow(/digits must be/);
    expect(sim.control.pressDigits('+15550007777', '1')).toBeNull();
    // The button form still works as before.
    expect(await (await send('POST', path, { button: 'hangup' })).json()).toEqual({ pressed: false });
  });

  it('keys pressed while no <Gather> listens are accepted but not heard', async () => {
    const user = '+15550008888';
    receiver.respond('/quiet', '<Response><Pause length="600"/></Response>');
    const call = await client.calls.create({ to: user, from: '+15005550006', url: receiver.url('/quiet'), statusCallback: receiver.url('/quiet-status'), statusCallbackEvent: ['ringing'] });
    await sim.control.waitFor(() => receiver.on('/quiet-status').length > 0, 3000);
    sim.control.press(user, 'answer');
    await sim.control.waitFor(() => receiver.on('/quiet').length === 1, 3000);
    expect(sim.control.pressDigits(user, '5')).toEqual({ heard: false });
    await client.calls(call.sid).update({ status: 'completed' });
    await sim.control.waitForIdle();
  });

  it('accepts the answer-and-press and voicemail behaviours, and validates them', async () => {
    const number = encodeURIComponent('+15550009991');
    const answer = await send('PUT', `/control/numbers/${number}`, { kind: 'answer', answerAfterS: 1, digits: '1' });
    expect(await answer.json()).toMatchObject({ behaviour: { kind: 'answer', answerAfterS: 1, digits: '1' } });
    const voicemail = await send('PUT', `/control/numbers/${number}`, { kind: 'voicemail', answerAfterS: 4 });
    expect(await voicemail.json()).toMatchObject({ behaviour: { kind: 'voicemail', answerAfterS: 4 } });
    expect((await send('PUT', `/control/numbers/${number}`, { kind: 'answer', answerAfterS: 1, digits: 'one' })).status).toBe(400);
    expect((await send('PUT', `/control/numbers/${number}`, { kind: 'voicemail' })).status).toBe(400);
  });
});

describe('handset page keypad', () => {
  it('a phone in a call shows a keypad; pressing 1 reaches the <Gather> and is echoed', async () => {
    const user = '+15550009992';
    const sid = await gatheringCall(user, '/keypad');
    const list = await (await fetch(`${sim.url}/handsets`)).text();
    const path = `/handsets/${encodeURIComponent(user)}/keys`;
    expect(list).toContain(`<form class="keypad" method="post" action="${path}" hx-post="${path}" hx-target="#handsets"`);
    for (const [key, id] of [['1', '1'], ['0', '0'], ['9', '9'], ['*', 'star'], ['#', 'hash']]) {
      expect(list).toContain(`<button type="submit" name="digits" value="${key}" id="key-15550009992-${id}" aria-label="Press ${key}">${key}</button>`);
    }
    expect(list).not.toMatch(/<script|<style|style="/);
    const pressed = await fetch(sim.url + path, { method: 'POST', headers: { 'HX-Request': 'true', 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'digits=1' });
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain('Keys pressed: <strong>1</strong>');
    await sim.control.waitForIdle();
    expect(receiver.on('/keypad-confirm').map((r) => [r.params.CallSid, r.params.Digits])).toEqual([[sid, '1']]);
  });

  it('without JavaScript a key press redirects back to the page; bad keys are ignored', async () => {
    const user = '+15550009993';
    await gatheringCall(user, '/plain');
    const path = `${sim.url}/handsets/${encodeURIComponent(user)}/keys`;
    const form = { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } as const;
    const ignored = await fetch(path, { ...form, body: 'digits=x' });
    expect(ignored.status).toBe(303);
    expect(await (await fetch(`${sim.url}/handsets`)).text()).not.toContain('Keys pressed');
    const pressed = await fetch(path, { ...form, body: 'digits=2' });
    expect([pressed.status, pressed.headers.get('location')]).toEqual([303, '/']);
    await sim.control.waitForIdle();
    expect(receiver.on('/plain-confirm').map((r) => r.params.Digits)).toEqual(['2']);
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
