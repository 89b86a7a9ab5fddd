import type TestAgent from 'supertest/lib/agent.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelephony } from '../../src/telephony/telephony.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

/**
 * Issue 26, findings 2 and 3 at the phone page: an own phone must be a mobile or landline (or a type an admin
 * allowed for its country) whose leg costs us no more than OWN_LEG_MAX_COST_PER_MIN.
 */
const DECK = [
  'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled',
  'US,United States,1,United States,0.0200,0.0100,60,60,0,0,true',
  'GB,United Kingdom,44,United Kingdom,0.0300,0.0158,60,60,0,0,true',
  'CU,Cuba,53,Cuba,0.9000,0.7000,60,60,0,0,true',
].join('\n');

let sim: RunningSimulator;
let t: TestApp;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
afterEach(async () => {
  await t?.close();
});

async function app(env: Record<string, string> = {}) {
  const telephony = createTelephony({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url, callerId: sim.callerId, verifyServiceSid: sim.verifyServiceSid, simulator: undefined });
  t = await createTestApp(env, {}, { telephony });
  await t.services.money.rates.importDeck({ text: DECK });
}

async function offer(agent: TestAgent, phone: string) {
  const page = await agent.get('/account/phone');
  return agent.post('/account/phone').type('form').send({ _csrf: csrfTokenFrom(page.text), phone, country: 'GB' });
}

describe('which numbers may be your own phone', () => {
  it('refuses VoIP, personal, pager and UAN numbers, and a country whose leg costs more than the cap', async () => {
    await app();
    const { agent } = await signedUpAgent(t, { email: 'own@example.com' });
    for (const [phone, says] of [
      ['+445612345678', 'Internet (VoIP) numbers cannot be your phone'],
      ['+447011234567', 'Personal (follow-me) numbers cannot be your phone'],
      ['+447623456789', 'Pager numbers cannot be your phone'],
      ['+445512345678', 'Universal access (UAN) numbers cannot be your phone'],
      ['+5352345678', 'calls to it cost too much'],
    ] as const) {
      const res = await offer(agent, phone);
      expect(res.status, phone).toBe(422);
      expect(res.text, phone).toContain(says);
    }
    expect(sim.control.calls().filter((c) => c.to.startsWith('+44') || c.to.startsWith('+53'))).toHaveLength(0);
    // A UK mobile is fine.
    expect((await offer(agent, '+447624123456')).status).toBe(303);
  });

  it('takes a Cuban mobile once the admin raises the cap, and a UK VoIP number once the type is allowed', async () => {
    await app({ OWN_LEG_MAX_COST_PER_MIN: '0.75', NUMBER_TYPES_ALLOWED: 'GB:VOIP' });
    const { agent } = await signedUpAgent(t, { email: 'own2@example.com' });
    expect((await offer(agent, '+5352345679')).status).toBe(303);
    const other = await signedUpAgent(t, { email: 'own3@example.com' });
    expect((await offer(other.agent, '+445612345679')).status).toBe(303);
  });
});
