import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { join } from 'node:path';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { csrfTokenFrom, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';

export const htmx = { 'HX-Request': 'true' };

/** Signs up an account, makes it an admin and returns its agent, CSRF token and id. */
export async function adminAgent(t: TestApp, email = 'admin@example.com'): Promise<{ agent: TestAgent; csrf: string; id: number }> {
  const { agent } = await signedUpAgent(t, { email });
  await makeAdmin(t, email);
  const page = await agent.get('/admin');
  const user = await t.testDb.db('users').where({ email }).first<{ id: number }>();
  return { agent, csrf: csrfTokenFrom(page.text), id: Number(user!.id) };
}

export async function seedSampleDeck(t: TestApp): Promise<void> {
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  await t.services.money.rates.reload();
}

export async function auditCount(t: TestApp): Promise<number> {
  const row = await t.testDb.db('audit_log').count<{ n: number | string }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function rateRow(t: TestApp, prefix: string) {
  return t.testDb.db('rates').where({ prefix }).first<{ id: number; sell_per_min_micros: number | string; cost_per_min_micros: number | string; enabled: number | boolean }>();
}

export { request };
