import request from 'supertest';
import type { Twilio } from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type TestApp, createTestApp, signedUpAgent } from '../helpers/app.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';

// Speed 20: a manual phone rings for 65 simulated seconds (3.25 s real), time enough to answer it by form.
let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;
let t: TestApp | undefined;

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
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const sessionRows = async (app: TestApp) => Number((await app.testDb.db('sessions').count({ n: '*' }).first())?.n);
/** A browser posting a form from the page sends the page's own origin. */
const post = (app: TestApp, path: string, from = 'http://phones.test') => request(app.app).post(path).set('Host', 'phones.test').set('Origin', from);

describe('the handset page through the app’s own port (simulation mode)', () => {
  it('serves the page and fragments under /phones with the app’s CSP and htmx, and no session', async () => {
    t = await createTestApp({}, {}, { phonesPage: sim.phonesPage });
    const page = await request(t.app).get('/phones');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['set-cookie']).toBeUndefined();
    // The app's own script: htmx first, then the app's small scripts (src/http/static-assets.ts).
    const htmx = /<script src="(\/static\/app\.js\?v=[0-9a-f]+)"><\/script>/.exec(page.text);
    expect(htmx).not.toBeNull();
    expect(page.text).toContain('href="/phones/assets/sim.css"');
    expect(page.text).toContain('hx-get="/phones/handsets"');
    expect(page.text).toContain('href="/">← Back to callbridge</a>');
    // The no-JavaScript way to see new calls: a Refresh link to the page itself.
    expect(page.text).toContain('<a class="refresh" href="/phones/">Refresh</a>');
    expect((await request(t.app).get('/phones/')).status).toBe(200);
    expect(page.text).not.toContain(sim.url);
    expect(page.text).not.toMatch(/<script>|<style|style="/);
    // Every URL on the page is the app's own: nothing points at the simulator's port.
    for (const [, url] of page.text.matchAll(/(?:href|src|action|hx-get|hx-post)="([^"]+)"/g)) expect(url).toMatch(/^\/(phones\/|static\/|$)/);
    expect((await request(t.app).get(htmx![1]!)).status).toBe(200);
    expect((await request(t.app).get('/phones/assets/sim.css')).headers['content-type']).toContain('text/css');
    expect((await request(t.app).get('/phones/handsets')).status).toBe(200);
    expect(await sessionRows(t)).toBe(0);
  });

  it('exposes only the handset page: no REST or control API, and unknown /phones paths are 404 without a session', async () => {
    t = await createTestApp({}, {}, { phonesPage: sim.phonesPage });
    for (const path of ['/phones/control/calls', `/phones/2010-04-01/Accounts/${sim.accountSid}/Calls.json`, '/phones/assets/htmx.min.js', '/phones/nothing']) {
      expect((await request(t.app).get(path)).status, path).toBe(404);
    }
    expect((await request(t.app).put(`/phones/control/numbers/${encodeURIComponent('+15550001234')}`).set('Host', 'phones.test').set('Origin', 'http://phones.test').send({ kind: 'busy' })).status).toBe(404);
    expect((await post(t, `/phones/control/numbers/${encodeURIComponent('+15550001234')}/press`).send({ digits: '1' })).status).toBe(404);
    expect(await sessionRows(t)).toBe(0);
    // Nor at the root, where the simulator has it on its own port.
    expect((await request(t.app).get('/control/calls')).status).toBe(404);
  });

  it('a ringing call is answered, keyed and hung up by posting the forms through /phones', async () => {
    t = await createTestApp({}, {}, { phonesPage: sim.phonesPage });
    const user = '+15550001235';
    const encoded = encodeURIComponent(user);
    receiver.respond('/guard', '<Response><Gather numDigits="1" timeout="600" action="/guard-confirm"><Say>Press 1 to connect</Say></Gather></Response>');
    receiver.respond('/guard-confirm', '<Response><Pause length="600"/></Response>');
    const call = await client.calls.create({ to: user, from: sim.callerId, url: receiver.url('/guard'), statusCallback: receiver.url('/guard-status'), statusCallbackEvent: ['ringing', 'answered', 'completed'] });
    await sim.control.waitFor(() => receiver.on('/guard-status').length > 0, 3000);

    const ringing = await request(t.app).get('/phones/handsets');
    expect(ringing.text).toContain('Ringing: call from +15005550006');
    expect(ringing.text).toContain(`action="/phones/handsets/${encoded}/answer"`);
    // A cross-site form cannot answer the phone.
    expect((await post(t, `/phones/handsets/${encoded}/answer`, 'https://evil.example')).status).toBe(403);
    expect((await request(t.app).post(`/phones/handsets/${encoded}/answer`).set('Cookie', 'other=1')).status).toBe(403);
    expect((await post(t, `/phones/handsets/${encoded}/answer`, 'null')).status).toBe(403);
    expect((await post(t, `/phones/handsets/${encoded}/answer`).set('Sec-Fetch-Site', 'cross-site')).status).toBe(403);
    expect((await request(t.app).post(`/phones/handsets/${encoded}/answer`).set('Sec-Fetch-Site', 'same-site')).status).toBe(403);

    // What Chromium sends for a plain form post under the app's no-referrer policy: Origin null, Sec-Fetch-Site.
    const answered = await request(t.app).post(`/phones/handsets/${encoded}/answer`).set('Origin', 'null').set('Sec-Fetch-Site', 'same-origin').type('form').send('');
    expect([answered.status, answered.headers.location]).toEqual([303, '/phones/']);
    await sim.control.waitFor(() => receiver.on('/guard').length === 1, 3000);
    let inCall = '';
    for (let i = 0; i < 300 && !inCall.includes('waiting for you to press a key'); i++) {
      inCall = (await request(t.app).get('/phones/handsets')).text;
    }
    expect(inCall).toContain(`hx-post="/phones/handsets/${encoded}/keys"`);

    const keyed = await post(t, `/phones/handsets/${encoded}/keys`).set('HX-Request', 'true').type('form').send({ digits: '1' });
    expect(keyed.status).toBe(200);
    expect(keyed.text).toContain('Keys pressed: <strong>1</strong>');
    await sim.control.waitFor(() => receiver.on('/guard-confirm').length === 1, 3000);
    expect(receiver.on('/guard-confirm')[0]!.params).toMatchObject({ CallSid: call.sid, Digits: '1' });

    const hungUp = await post(t, `/phones/handsets/${encoded}/hangup`).set('HX-Request', 'true').type('form').send('');
    expect(hungUp.text).toContain('Idle');
    await sim.control.waitFor(() => receiver.on('/guard-status').some((r) => r.params.CallStatus === 'completed'), 3000);
    expect((await client.calls(call.sid).fetch()).status).toBe('completed');
    expect(await sessionRows(t)).toBe(0);
  });

  it('the nav links Phones for a logged-in user', async () => {
    t = await createTestApp({}, {}, { phonesPage: sim.phonesPage });
    const { agent } = await signedUpAgent(t);
    expect((await agent.get('/account')).text).toContain('<a href="/phones">Phones</a>');
  });
});

describe('not simulating (no phones dependency)', () => {
  it('serves no /phones and shows no Phones link', async () => {
    t = await createTestApp();
    expect((await request(t.app).get('/phones')).status).toBe(404);
    expect((await request(t.app).get('/phones/handsets')).status).toBe(404);
    const { agent } = await signedUpAgent(t);
    const account = await agent.get('/account');
    expect(account.status).toBe(200);
    expect(account.text).not.toContain('href="/phones"');
  });
});
