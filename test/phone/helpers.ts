import type { RunningSimulator } from '../../src/sim/simulator.js';
import { createTelephony } from '../../src/telephony/telephony.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** A small deck: the US (with premium and toll-free ranges left to libphonenumber), France, and Cuba switched off. */
export const PHONE_TEST_DECK = [
  'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled',
  'US,United States,1,United States,0.0200,0.0100,60,60,0,0,true',
  'FR,France,33,France,0.0400,0.0230,60,60,0,0,true',
  'FR,France,336,France - Mobile,0.0600,0.0378,60,60,0,0,true',
  'CU,Cuba,53,Cuba,1.5000,1.1000,60,60,0,0,false',
].join('\n');

/** The app wired to a running simulator the way main.ts wires it, with the small deck imported. */
export async function appWithSimulator(sim: RunningSimulator, env: Record<string, string> = {}): Promise<TestApp> {
  const telephony = createTelephony({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url, callerId: sim.callerId, verifyServiceSid: sim.verifyServiceSid, simulator: undefined });
  const t = await createTestApp(env, {}, { telephony });
  await t.services.money.rates.importDeck({ text: PHONE_TEST_DECK });
  return t;
}
