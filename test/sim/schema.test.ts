import type { Twilio } from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type Receiver, startReceiver } from './helpers/receiver.js';
import { type SpecName, responseOf, validateResponse } from './helpers/twilio-oai.js';

let sim: RunningSimulator;
let client: Twilio;
let receiver: Receiver;
let auth: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 1000 });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
  receiver = await startReceiver(sim.authToken);
  auth = `Basic ${Buffer.from(`${sim.accountSid}:${sim.authToken}`).toString('base64')}`;
});
afterAll(async () => {
  await sim.control.waitForIdle();
  await receiver.close();
  await sim.close();
});

/** The raw JSON body (the SDK renames fields, so schema checks read the wire). */
async function raw(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
  const response = await fetch(sim.url + path, {
    method,
    headers: { Authorization: auth, ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectValid(spec: SpecName, specPath: string, method: string, response: { status: number; body: unknown }) {
  const check = validateResponse(spec, specPath, method, response.status, response.body);
  expect(check.errors.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  expect(check.valid).toBe(true);
}

const CALLS = '/2010-04-01/Accounts/{AccountSid}/Calls.json';
const CALL = '/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json';

describe('every response body validates against twilio-oai (strict: all listed fields, nothing else)', () => {
  it('Calls: create, fetch in each state, update, list', async () => {
    const calls = `/2010-04-01/Accounts/${sim.accountSid}/Calls`;
    receiver.respond('/dial', '<Response><Dial timeLimit="20"><Number>+15005550100</Number></Dial></Response>');
    const created = await raw('POST', `${calls}.json`, { To: '+15005550110', From: '+15005550006', Url: receiver.url('/dial') });
    expect(created.status).toBe(201);
    expectValid('twilio_api_v2010', CALLS, 'post', created);
    const busy = await raw('POST', `${calls}.json`, { To: '+15005550200', From: '+15005550006', Url: receiver.url('/dial') });
    await sim.control.waitFor(() => sim.control.calls().some((c) => c.parent_call_sid === created.body.sid && c.status === 'in-progress'));
    const child = sim.control.calls().find((c) => c.parent_call_sid === created.body.sid)!;
    for (const sid of [created.body.sid, child.sid]) expectValid('twilio_api_v2010', CALL, 'get', await raw('GET', `${calls}/${String(sid)}.json`));
    const updated = await raw('POST', `${calls}/${child.sid}.json`, { TimeLimit: '30' });
    expectValid('twilio_api_v2010', CALL, 'post', updated);
    await sim.control.waitForIdle();
    for (const sid of [created.body.sid, child.sid, busy.body.sid]) expectValid('twilio_api_v2010', CALL, 'get', await raw('GET', `${calls}/${String(sid)}.json`));
    const page = await raw('GET', `${calls}.json?PageSize=1`);
    expect(page.body.next_page_uri).not.toBeNull();
    expectValid('twilio_api_v2010', CALLS, 'get', page);
    expectValid('twilio_api_v2010', CALLS, 'get', await raw('GET', `${calls}.json?Status=canceled`));
  });

  it('Pricing v2: countries list, country, number', async () => {
    const list = await raw('GET', '/v2/Voice/Countries?PageSize=3');
    expect(list.body.meta).toMatchObject({ key: 'countries', page_size: 3 });
    expectValid('twilio_pricing_v2', '/v2/Voice/Countries', 'get', list);
    expectValid('twilio_pricing_v2', '/v2/Voice/Countries/{IsoCountry}', 'get', await raw('GET', '/v2/Voice/Countries/US'));
    expectValid('twilio_pricing_v2', '/v2/Voice/Numbers/{DestinationNumber}', 'get', await raw('GET', '/v2/Voice/Numbers/+442071838750?OriginationNumber=%2B15005550006'));
  });

  it('Verify v2: create, fetch, update, check', async () => {
    const base = `/v2/Services/${sim.verifyServiceSid}`;
    const created = await raw('POST', `${base}/Verifications`, { To: '+15005550123', Channel: 'sms' });
    expect(created.status).toBe(201);
    expectValid('twilio_verify_v2', '/v2/Services/{ServiceSid}/Verifications', 'post', created);
    expectValid('twilio_verify_v2', '/v2/Services/{ServiceSid}/Verifications/{Sid}', 'get', await raw('GET', `${base}/Verifications/${String(created.body.sid)}`));
    const wrong = await raw('POST', `${base}/VerificationCheck`, { To: '+15005550123', Code: '0000000' });
    expectValid('twilio_verify_v2', '/v2/Services/{ServiceSid}/VerificationCheck', 'post', wrong);
    const right = await raw('POST', `${base}/VerificationCheck`, { To: '+15005550123', Code: sim.control.lastVerifyCode('+15005550123')! });
    expect(right.body.status).toBe('approved');
    expectValid('twilio_verify_v2', '/v2/Services/{ServiceSid}/VerificationCheck', 'post', right);
    const other = await raw('POST', `${base}/Verifications`, { To: '+15005550124', Channel: 'call' });
    const canceled = await raw('POST', `${base}/Verifications/${String(other.body.sid)}`, { Status: 'canceled' });
    expectValid('twilio_verify_v2', '/v2/Services/{ServiceSid}/Verifications/{Sid}', 'post', canceled);
  });

  it('the strict check can fail: a missing field, an unknown field and a bad enum are caught', async () => {
    const created = await client.calls.create({ to: '+15005550300', from: '+15005550006', url: receiver.url('/t') });
    const body = (await raw('GET', `/2010-04-01/Accounts/${sim.accountSid}/Calls/${created.sid}.json`)).body;
    const { price_unit: _dropped, ...missing } = body;
    for (const broken of [missing, { ...body, annotation: null }, { ...body, status: 'initiated' }, { ...body, date_created: '2025-01-01T00:00:00Z' }]) {
      expect(validateResponse('twilio_api_v2010', CALL, 'get', 200, broken).valid).toBe(false);
    }
    await client.calls(created.sid).update({ status: 'canceled' });
  });
});

describe('the documented Pricing deviation', () => {
  it("Twilio's own Pricing examples break the published schema exactly at the price fields we patch", () => {
    for (const [path, example] of [['/v2/Voice/Countries/{IsoCountry}', 'fetch'], ['/v2/Voice/Numbers/{DestinationNumber}', 'fetch']] as const) {
      const value = responseOf('twilio_pricing_v2', path, 'get', 200).examples?.[example]?.value;
      const published = validateResponse('twilio_pricing_v2', path, 'get', 200, value, 'as-published');
      expect(published.valid).toBe(false);
      expect(published.errors.every((e) => /\/(base_price|current_price|number_type)$/.test(e.instancePath))).toBe(true);
      expect(validateResponse('twilio_pricing_v2', path, 'get', 200, value).valid).toBe(true);
    }
  });
});

describe('error bodies have Twilio shape and codes', () => {
  it('401, 404 and 400 bodies: {code, message, more_info, status}', async () => {
    const bad = await fetch(`${sim.url}/2010-04-01/Accounts/${sim.accountSid}/Calls.json`, { headers: { Authorization: 'Basic eDp5' } });
    const unknown = await raw('GET', `/2010-04-01/Accounts/${sim.accountSid}/Calls/CA${'1'.repeat(32)}.json`);
    const invalid = await raw('POST', `/2010-04-01/Accounts/${sim.accountSid}/Calls.json`, { To: 'x', From: '+15005550006', Url: receiver.url('/t') });
    const verify = await raw('POST', `/v2/Services/${sim.verifyServiceSid}/Verifications`, { To: 'nobody', Channel: 'sms' });
    const bodies = [[401, 20003, await bad.json()], [404, 20404, unknown.body], [400, 21211, invalid.body], [400, 60200, verify.body]] as const;
    for (const [status, code, body] of bodies) {
      expect(body).toMatchObject({ status, code, more_info: `https://www.twilio.com/docs/errors/${code}` });
      expect(typeof (body as { message: unknown }).message).toBe('string');
    }
  });
});
