import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SENDS_PER_NUMBER } from '../../src/phone/phone-verification-service.js';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';
import { appWithSimulator } from './helpers.js';

let sim: RunningSimulator;
let t: TestApp;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
afterEach(async () => {
  await t?.close();
  sim.control.clearFaults();
});

/** Numbers libphonenumber accepts as real; each test uses its own so the shared simulator's codes never mix. */
const US = { national: '(415) 555-2671', e164: '+14155552671' };

async function user(email: string): Promise<{ agent: TestAgent; csrf: string }> {
  return signedUpAgent(t, { email });
}

async function sendCode(agent: TestAgent, fields: Record<string, string | string[]>) {
  const page = await agent.get('/account/phone');
  return agent.post('/account/phone').type('form').send({ _csrf: csrfTokenFrom(page.text), ...fields });
}

async function enterCode(agent: TestAgent, code: string) {
  const page = await agent.get('/account/phone');
  return agent.post('/account/phone/verify').type('form').send({ _csrf: csrfTokenFrom(page.text), code });
}

async function phoneOf(email: string) {
  const found = await t.services.users.findCredentialsByEmail(email);
  return { phone: found!.user.phoneE164, verifiedAt: found!.user.phoneVerifiedAt };
}

const alertText = (html: string) => [...html.matchAll(/(?:role="alert"|class="field-error"[^>]*)>([^<]+)</g)].map((m) => m[1]).join(' | ');

describe('verifying your phone through the simulator', () => {
  it('a new user signs up, gets a code by call, enters it, and the number becomes the first leg of their calls', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    expect((await agent.get('/')).text).toContain('<a href="/account/phone">verify your phone</a>');
    expect((await agent.get('/wallet')).text).toContain('<a href="/account/phone">verify your phone</a>');
    const unpriced = await agent.get('/rates/preview?number=%2B33612345678').set('HX-Request', 'true');
    // Not verified yet: the leg to the phone is priced in the country it is said to be in (the US by default).
    expect(unpriced.text).toContain('for the leg to your phone in United States');
    expect((await agent.get('/account')).text).toContain('<a href="/account/phone">Add and verify your phone</a>');
    const empty = await agent.get('/account/phone');
    expect(empty.text).toContain('None yet');
    expect(empty.text).toMatch(/<option value="US" selected>/);

    const sent = await sendCode(agent, { phone: US.national, country: 'US' });
    expect(sent.status).toBe(303);
    const codePage = await agent.get('/account/phone');
    expect(codePage.text).toContain(`We are calling ${US.e164}`);
    expect(codePage.text).toContain('name="code"');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });

    const code = sim.control.lastVerifyCode(US.e164);
    expect(code).toMatch(/^\d{6}$/);
    const verified = await enterCode(agent, code!);
    expect(verified.status).toBe(303);
    const page = await agent.get('/account/phone');
    expect(page.text).toContain(`Your phone ${US.e164} is verified`);
    expect(page.text).toMatch(new RegExp(`id="verified-phone"><strong>\\${US.e164}</strong>`));
    expect((await phoneOf('ada@example.com')).phone).toBe(US.e164);
    expect(page.text).not.toContain('name="code"');

    // The leg to their own phone is now priced in every quote.
    const preview = await agent.get('/rates/preview?number=%2B33612345678').set('HX-Request', 'true');
    expect(preview.text).toContain('for the leg to your phone');
    expect(preview.text).not.toContain('verify your phone');
    expect((await agent.get('/')).text).not.toContain('verify your phone');
  });

  it('refuses a wrong code, saying how many tries are left, and saves nothing', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    await sendCode(agent, { phone: '+1 415 555 2672', country: 'US', channel: 'sms' });
    expect((await agent.get('/account/phone')).text).toContain('We texted a code to +14155552672');
    const right = sim.control.lastVerifyCode('+14155552672')!;
    const wrong = right === '000000' ? '111111' : '000000';
    const res = await enterCode(agent, wrong);
    expect(res.status).toBe(422);
    expect(alertText(res.text)).toContain('That code is not right. 4 tries left.');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
    // Asking again re-sends the same Verify verification: its tries are not refilled.
    expect((await sendCode(agent, { phone: '+1 415 555 2672', country: 'US', channel: 'sms' })).status).toBe(303);
    expect(sim.control.lastVerifyCode('+14155552672')).toBe(right);
    expect(alertText((await enterCode(agent, wrong)).text)).toContain('That code is not right. 3 tries left.');
  });

  it('refuses after too many tries, even the right code, and saves nothing', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    await sendCode(agent, { phone: '+14155552673', country: 'US' });
    const right = sim.control.lastVerifyCode('+14155552673')!;
    const wrong = right === '000000' ? '111111' : '000000';
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) messages.push(alertText((await enterCode(agent, wrong)).text));
    expect(messages[3]).toContain('1 try left.');
    expect(messages[4]).toContain('that was the last try. Send a new code.');
    const sixth = await enterCode(agent, right);
    expect(sixth.status).toBe(429);
    expect(alertText(sixth.text)).toContain('Too many wrong codes for this number. Send a new code and try again.');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
    const after = await enterCode(agent, right);
    expect(alertText(after.text)).toContain('There is no code waiting for you.');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
  });

  it('refuses an expired code (our clock: codes last 10 minutes) and saves nothing', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    await sendCode(agent, { phone: '+14155552674', country: 'US' });
    const right = sim.control.lastVerifyCode('+14155552674')!;
    t.clock.advance(10 * 60_000 + 1);
    expect((await agent.get('/account/phone')).text).toContain('The code we sent to +14155552674 has expired');
    const res = await enterCode(agent, right);
    expect(res.status).toBe(422);
    expect(alertText(res.text)).toContain('That code has expired: codes last 10 minutes. Send a new code.');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
  });

  it('refuses a code Verify has already expired (the simulator’s clock) and saves nothing', async () => {
    const fast = await startSimulator({ port: 0, speed: 2000 });
    try {
      t = await appWithSimulator(fast);
      const { agent } = await user('ada@example.com');
      await sendCode(agent, { phone: '+14155552675', country: 'US' });
      const right = fast.control.lastVerifyCode('+14155552675')!;
      await new Promise((resolve) => setTimeout(resolve, 400)); // 800 simulated seconds: past Verify's 10 minutes
      const res = await enterCode(agent, right);
      expect(res.status).toBe(422);
      expect(alertText(res.text)).toContain('This code has expired or was already used. Send a new code.');
      expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
    } finally {
      await fast.close();
    }
  });

  it.each([
    ['a premium-rate number', '+1 900 555 0100', 'Premium-rate numbers cannot be your phone'],
    ['a toll-free number', '+1 800 555 0199', 'Toll-free numbers cannot be your phone'],
    ['a number in a country we do not call', '+53 5 1234567', 'We cannot ring phones in this country'],
    ['an invalid number', '+1 415 555', 'This is not a valid phone number for the country chosen'],
  ])('refuses %s with the reason, sending no code and saving nothing', async (_label, phone, reason) => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    const res = await sendCode(agent, { phone, country: 'US' });
    expect(res.status).toBe(422);
    expect(alertText(res.text)).toContain(reason);
    expect(res.text).toContain(`value="${phone}"`);
    expect(await t.testDb.db('phone_verifications').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
  });

  it('answers another account’s number exactly like a fresh one, and says it can’t be used only after a right code (issue 26 #9)', async () => {
    t = await appWithSimulator(sim);
    const number = '+14155552676';
    const ada = await user('ada@example.com');
    const bob = await user('bob@example.com');
    await sendCode(ada.agent, { phone: number, country: 'US' });
    expect((await enterCode(ada.agent, sim.control.lastVerifyCode(number)!)).status).toBe(303);
    const taken = await sendCode(bob.agent, { phone: number, country: 'US' });
    const fresh = await sendCode((await user('carol@example.com')).agent, { phone: '+14155552677', country: 'US' });
    expect(taken.status).toBe(fresh.status);
    expect(taken.headers.location).toBe(fresh.headers.location);
    expect((await bob.agent.get('/account/phone')).text).not.toContain('another account');
    const wrong = await enterCode(bob.agent, '000000');
    expect(wrong.text).not.toContain('another account');
    const late = await enterCode(bob.agent, sim.control.lastVerifyCode(number)!);
    expect(alertText(late.text)).toContain('This number can’t be used');
    expect(late.text).not.toContain('another account');
    expect(await phoneOf('bob@example.com')).toEqual({ phone: null, verifiedAt: null });
    expect((await phoneOf('ada@example.com')).phone).toBe(number);
  });

  it('refuses the code when another account got the number meanwhile, and saves nothing', async () => {
    t = await appWithSimulator(sim);
    const number = '+14155552679';
    await user('ada@example.com');
    const bob = await user('bob@example.com');
    await sendCode(bob.agent, { phone: number, country: 'US' });
    // Ada's verification of the same number completes while Bob's code is on its way.
    await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ phone_e164: number, phone_verified_at: new Date().toISOString() });
    const late = await enterCode(bob.agent, sim.control.lastVerifyCode(number)!);
    expect(alertText(late.text)).toContain('This number can’t be used');
    expect(await phoneOf('bob@example.com')).toEqual({ phone: null, verifiedAt: null });
  });

  it('keeps the old number in use until the new one is verified', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    await sendCode(agent, { phone: '+14155552677', country: 'US' });
    await enterCode(agent, sim.control.lastVerifyCode('+14155552677')!);
    const change = await sendCode(agent, { phone: '06 12 34 56 78', country: 'FR' });
    expect(change.status).toBe(303);
    const page = await agent.get('/account/phone');
    expect(page.text).toContain('We are calling +33612345678');
    expect(page.text).toContain('Until you enter it, calls still ring +14155552677.');
    expect(page.text).toMatch(/<option value="FR" selected>/);
    expect((await phoneOf('ada@example.com')).phone).toBe('+14155552677');
    expect((await enterCode(agent, sim.control.lastVerifyCode('+33612345678')!)).status).toBe(303);
    expect((await phoneOf('ada@example.com')).phone).toBe('+33612345678');
  });

  it('explains a Twilio outage (5xx) in plain words, never a 500, and saves nothing', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    sim.control.setFaults({ restFailure: { status: 503, count: 1 } });
    const res = await sendCode(agent, { phone: '+14155552678', country: 'US' });
    expect(res.status).toBe(503);
    expect(alertText(res.text)).toContain('Our phone provider is not answering right now. Nothing was saved');
    expect(await t.testDb.db('phone_verifications').count({ n: '*' }).first()).toMatchObject({ n: 0 });

    await sendCode(agent, { phone: '+14155552678', country: 'US' });
    sim.control.setFaults({ restFailure: { status: 500, count: 1 } });
    const check = await enterCode(agent, sim.control.lastVerifyCode('+14155552678')!);
    expect(check.status).toBe(503);
    expect(alertText(check.text)).toContain('Our phone provider is not answering right now.');
    expect(await phoneOf('ada@example.com')).toEqual({ phone: null, verifiedAt: null });
    expect((await enterCode(agent, sim.control.lastVerifyCode('+14155552678')!)).status).toBe(303);
  });

  it('applies our own limits per user and per number, with the real waiting time', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    for (let i = 0; i < 5; i++) expect((await sendCode(agent, { phone: `+1415555268${i}`, country: 'US' })).status).toBe(303);
    const sixth = await sendCode(agent, { phone: '+14155552685', country: 'US' });
    expect(sixth.status).toBe(429);
    expect(alertText(sixth.text)).toContain('Too many attempts. Try again in 60 minutes.');
    expect(sim.control.lastVerifyCode('+14155552685')).toBeUndefined();

    const bob = await user('bob@example.com');
    for (let i = 0; i < 5; i++) await t.services.counters.record(SENDS_PER_NUMBER, '+14155552686');
    t.clock.advance(20 * 60_000);
    const perNumber = await sendCode(bob.agent, { phone: '+14155552686', country: 'US' });
    expect(perNumber.status).toBe(429);
    expect(alertText(perNumber.text)).toContain('Try again in 40 minutes.');
  });

  it('names what is wrong with a bad form, repeated fields included', async () => {
    t = await appWithSimulator(sim);
    const { agent } = await user('ada@example.com');
    expect(alertText((await sendCode(agent, { country: 'US' })).text)).toContain('Enter your phone number');
    expect(alertText((await sendCode(agent, { phone: ['+14155552690', '+14155552691'], country: 'US' })).text)).toContain('Enter your phone number');
    expect(alertText((await sendCode(agent, { phone: '+14155552690', country: 'XX' })).text)).toContain('Choose your country from the list');
    expect(alertText((await sendCode(agent, { phone: '+14155552690', country: 'US', channel: 'fax' })).text)).toContain('Choose “Call me” or “Text me”');
    expect(await t.testDb.db('phone_verifications').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await sendCode(agent, { phone: '+14155552690', country: 'US' });
    const badCode = await enterCode(agent, 'abc');
    expect(badCode.status).toBe(422);
    expect(alertText(badCode.text)).toContain('Enter the code we sent you: 4 to 10 digits');
    expect(alertText((await enterCode(agent, '')).text)).toContain('Enter the code we sent you: 4 to 10 digits');
  });
});

describe('without a Verify service', () => {
  it('says verification is not set up, with a 503 page rather than a crash', async () => {
    t = await createTestApp();
    await t.services.money.rates.importDeck({ text: (await import('./helpers.js')).PHONE_TEST_DECK });
    const { agent } = await user('ada@example.com');
    const res = await sendCode(agent, { phone: '+14155552699', country: 'US' });
    expect(res.status).toBe(503);
    expect(alertText(res.text)).toContain('Phone verification is not set up on this server');
    expect((await request(t.app).get('/account/phone')).status).toBe(303);
  });
});
