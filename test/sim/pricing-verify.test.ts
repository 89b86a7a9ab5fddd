import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Twilio } from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { restError } from './helpers/errors.js';


const RATE_DECK = [
  'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled',
  'GB,United Kingdom,44,United Kingdom,0.0300,0.0158,60,60,0,0,true',
  'GB,United Kingdom,447,United Kingdom - Mobile,0.0600,0.0378,60,60,0,0,true',
  'FR,France,33,France,0.0400,0.0230,60,60,0,0,true',
  'CU,Cuba,53,Cuba,1.5000,1.1000,60,60,0,0,false',
].join('\n');

let sim: RunningSimulator;
let client: Twilio;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-rates-'));
  writeFileSync(join(dir, 'rates.csv'), RATE_DECK);
  sim = await startSimulator({ port: 0, speed: 1, rateDeckFile: join(dir, 'rates.csv') });
  client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
});
afterAll(() => sim.close());

describe('Pricing v2 Voice from the rate deck cost column', () => {
  it('lists countries of enabled rows, paging with meta.next_page_url', async () => {
    const countries = await client.pricing.v2.voice.countries.list({ pageSize: 1 });
    expect(countries.map((c) => c.isoCountry)).toEqual(['FR', 'GB']);
    expect(countries[0]!.url).toBe(`${sim.url}/v2/Voice/Countries/FR`);
  });

  it('fetches a country with one outbound prefix price per rate row', async () => {
    const gb = await client.pricing.v2.voice.countries('GB').fetch();
    expect(gb.country).toBe('United Kingdom');
    expect(gb.priceUnit).toBe('USD');
    // The SDK turns each price record into a camelCase object; values stay the strings Twilio sends.
    expect(gb.outboundPrefixPrices).toHaveLength(2);
    expect(gb.outboundPrefixPrices[0]).toMatchObject({ basePrice: '0.0158', currentPrice: '0.0158', destinationPrefixes: ['44'], friendlyName: 'Programmable Outbound Minute - United Kingdom', originationPrefixes: ['ALL'] });
    expect(gb.outboundPrefixPrices[1]).toMatchObject({ basePrice: '0.0378', destinationPrefixes: ['447'], friendlyName: 'Programmable Outbound Minute - United Kingdom - Mobile' });
  });

  it('prices a number by the longest matching prefix', async () => {
    const mobile = await client.pricing.v2.voice.numbers('+447700900123').fetch({ originationNumber: '+15005550006' });
    expect(mobile).toMatchObject({ destinationNumber: '+447700900123', originationNumber: '+15005550006', isoCountry: 'GB' });
    expect(mobile.outboundCallPrices).toHaveLength(1);
    expect(mobile.outboundCallPrices[0]).toMatchObject({ basePrice: '0.0378', currentPrice: '0.0378', originationPrefixes: ['ALL'] });
    const landline = await client.pricing.v2.voice.numbers('+442071838750').fetch();
    expect(landline.outboundCallPrices[0]).toMatchObject({ basePrice: '0.0158' });
  });

  it('unknown country, disabled or unpriced destinations: 404 / 20404', async () => {
    expect(await restError(client.pricing.v2.voice.countries('CU').fetch())).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(client.pricing.v2.voice.numbers('+5351234567').fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('prices answered calls from the same deck', async () => {
    const fast = await startSimulator({ port: 0, speed: 1000, rateDeckFile: RATE_DECK_FILE() });
    try {
      const fastClient = createTwilioClient({ accountSid: fast.accountSid, authToken: fast.authToken, apiBase: fast.url });
      fast.control.setBehaviour('+447700900123', { kind: 'answer', answerAfterS: 1, hangupAfterS: 61 });
      const call = await fastClient.calls.create({ to: '+447700900123', from: '+15005550006', twiml: '<Response><Pause length="600"/></Response>' });
      await fast.control.waitForIdle();
      // 61 s is two started minutes at 0.0378.
      expect((await fastClient.calls(call.sid).fetch()).price).toBe('-0.07560');
    } finally {
      await fast.close();
    }
  });
});

let rateDeckPath = '';
function RATE_DECK_FILE() {
  if (!rateDeckPath) {
    rateDeckPath = join(mkdtempSync(join(tmpdir(), 'sim-rates-')), 'rates.csv');
    writeFileSync(rateDeckPath, RATE_DECK);
  }
  return rateDeckPath;
}

describe('Pricing without a rate deck', () => {
  it('uses the built-in table', async () => {
    const plain = await startSimulator({ port: 0, rateDeckFile: '/nonexistent/rates.csv' });
    try {
      const c = createTwilioClient({ accountSid: plain.accountSid, authToken: plain.authToken, apiBase: plain.url });
      const us = await c.pricing.v2.voice.numbers('+14155550100').fetch();
      expect(us.isoCountry).toBe('US');
      expect(Number(us.outboundCallPrices[0]!.basePrice)).toBeGreaterThan(0);
    } finally {
      await plain.close();
    }
  });
});

describe('Verify v2', () => {
  const service = () => client.verify.v2.services(sim.verifyServiceSid);

  it('sends a code the handset receives; the right code approves once, then the verification is gone', async () => {
    const to = '+15005550901';
    const started = await service().verifications.create({ to, channel: 'sms' });
    expect(started).toMatchObject({ to, channel: 'sms', status: 'pending', valid: false, serviceSid: sim.verifyServiceSid, accountSid: sim.accountSid });
    expect(started.sid).toMatch(/^VE[0-9a-f]{32}$/);
    const code = sim.control.lastVerifyCode(to);
    expect(code).toMatch(/^\d{6}$/);
    expect((await service().verifications(started.sid).fetch()).status).toBe('pending');
    const wrong = await service().verificationChecks.create({ to, code: code === '000000' ? '111111' : '000000' });
    expect(wrong).toMatchObject({ status: 'pending', valid: false });
    const right = await service().verificationChecks.create({ to, code: code! });
    expect(right).toMatchObject({ status: 'approved', valid: true, sid: started.sid });
    expect(await restError(service().verificationChecks.create({ to, code: code! }))).toMatchObject({ status: 404, code: 20404 });
  });

  it('re-sending to a pending number reuses the verification; the 6th send is refused with 60203', async () => {
    const to = '+15005550902';
    const first = await service().verifications.create({ to, channel: 'sms' });
    for (let i = 0; i < 4; i++) expect((await service().verifications.create({ to, channel: 'sms' })).sid).toBe(first.sid);
    expect(await restError(service().verifications.create({ to, channel: 'sms' }))).toMatchObject({ status: 429, code: 60203 });
  });

  it('after 5 wrong checks the next one is refused with 60202', async () => {
    const to = '+15005550903';
    await service().verifications.create({ to, channel: 'call', customCode: '424242' });
    expect(sim.control.lastVerifyCode(to)).toBe('424242');
    for (let i = 0; i < 5; i++) expect((await service().verificationChecks.create({ to, code: '999999' })).status).toBe('pending');
    expect(await restError(service().verificationChecks.create({ to, code: '424242' }))).toMatchObject({ status: 429, code: 60202 });
  });

  it('check by VerificationSid; cancel via update', async () => {
    const a = await service().verifications.create({ to: '+15005550904', channel: 'sms' });
    const ok = await service().verificationChecks.create({ verificationSid: a.sid, code: sim.control.lastVerifyCode('+15005550904')! });
    expect(ok.status).toBe('approved');
    const b = await service().verifications.create({ to: '+15005550905', channel: 'sms' });
    expect((await service().verifications(b.sid).update({ status: 'canceled' })).status).toBe('canceled');
    expect(await restError(service().verificationChecks.create({ to: '+15005550905', code: '123456' }))).toMatchObject({ status: 404, code: 20404 });
  });

  it('invalid parameters: 60200; unknown service or verification: 20404', async () => {
    expect(await restError(service().verifications.create({ to: '12', channel: 'sms' }))).toMatchObject({ status: 400, code: 60200, message: 'Invalid parameter: To' });
    expect(await restError(service().verifications.create({ to: '+15005550906', channel: 'pigeon' }))).toMatchObject({ status: 400, code: 60200 });
    expect(await restError(client.verify.v2.services('VA' + '1'.repeat(32)).verifications.create({ to: '+15005550906', channel: 'sms' }))).toMatchObject({ status: 404, code: 20404 });
    expect(await restError(service().verifications('VE' + '1'.repeat(32)).fetch())).toMatchObject({ status: 404, code: 20404 });
  });

  it('codes expire after 10 simulated minutes', async () => {
    const fast = await startSimulator({ port: 0, speed: 100_000 });
    try {
      const c = createTwilioClient({ accountSid: fast.accountSid, authToken: fast.authToken, apiBase: fast.url });
      const to = '+15005550907';
      const v = await c.verify.v2.services(fast.verifyServiceSid).verifications.create({ to, channel: 'sms' });
      // 10 simulated minutes are 6 ms here; 20 ms of real time is well past expiry.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await c.verify.v2.services(fast.verifyServiceSid).verifications(v.sid).fetch()).status).toBe('expired');
      expect(await restError(c.verify.v2.services(fast.verifyServiceSid).verificationChecks.create({ to, code: fast.control.lastVerifyCode(to)! }))).toMatchObject({ status: 404, code: 20404 });
    } finally {
      await fast.close();
    }
  });
});
