import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { webhookTargetPolicy } from '../../src/api/webhooks/webhook-target.js';
import { createLogger } from '../../src/logger.js';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { composeServices, type ComposedServices, type ServiceOverrides } from '../../src/services.js';
import { createTestDb, type TestDb } from './db.js';

export interface TestApp extends BuiltApp {
  services: ComposedServices;
  testDb: TestDb;
  clock: ManualClock;
  close(): Promise<void>;
}

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough';

/**
 * The overrides every test app starts from: cheap password hashing, a silent logger, a fixed session secret, and
 * webhooks allowed to the tests' local receivers (localListenerTargets).
 */
export function testOverrides(testDb: TestDb, clock: ManualClock | ServiceOverrides['clock']): ServiceOverrides {
  return {
    db: testDb.db, clock, sessionSecret: TEST_SESSION_SECRET, logger: createLogger('silent'), hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }),
    webhookTargets: localListenerTargets(),
  };
}

/**
 * Tests' webhook receivers listen on 127.0.0.1 over http: this test-only policy lets that one host through unchecked.
 * Every other host gets the production checks (tests of the checks pass their own policy as the webhookTargets override).
 */
export function localListenerTargets() {
  return webhookTargetPolicy({ testOnlyUncheckedHosts: ['127.0.0.1'] });
}

/**
 * A whole app on a fresh database, with cheap password hashing and a hand-moved clock, composed by composeServices.
 * Unless `overrides` say otherwise it has no Twilio, no job scheduler and no /phones (tests that need them pass them).
 */
export async function createTestApp(env: Record<string, string> = {}, configOverrides: Partial<Config> = {}, overrides: ServiceOverrides = {}): Promise<TestApp> {
  const testDb = await createTestDb();
  const clock = new ManualClock(new Date());
  const config = { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }), ...configOverrides };
  const services = await composeServices(config, { telephony: null, jobs: null, phonesPage: false, stripe: false, ...testOverrides(testDb, clock), ...overrides });
  const built = buildApp(services);
  return {
    ...built,
    services,
    testDb,
    clock,
    async close() {
      await services.close();
      await testDb.destroy();
    },
  };
}

/** createTestApp with the sample rate deck (data/rates.csv) in its database: the pages that price a number need one. */
export async function createRatedTestApp(): Promise<TestApp> {
  const t = await createTestApp();
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  return t;
}

export function csrfTokenFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in page');
  return match[1]!;
}

/** Signs up and logs in through the real forms; returns an agent holding the session cookie. */
export async function signedUpAgent(
  t: TestApp,
  user: { name?: string; email: string; password?: string } = { email: 'ada@example.com' },
): Promise<{ agent: TestAgent; csrf: string }> {
  const agent = request.agent(t.app);
  const form = await agent.get('/signup');
  const res = await agent
    .post('/signup')
    .type('form')
    .send({ _csrf: csrfTokenFrom(form.text), name: user.name ?? 'Ada Lovelace', email: user.email, password: user.password ?? 'correct horse battery' });
  if (res.status !== 303) throw new Error(`sign-up failed: ${res.status} ${res.text.slice(0, 300)}`);
  // Sign-up answers alike for new and taken emails (it reveals nothing): the emailed link confirms and logs in.
  const link = await emailedLink(t, user.email, '/confirm-email');
  const confirmed = await followConfirmLink(agent, link);
  if (confirmed.status !== 303) throw new Error(`confirming the address failed: ${confirmed.status} ${confirmed.text.slice(0, 300)}`);
  const page = await agent.get('/account');
  return { agent, csrf: csrfTokenFrom(page.text) };
}

/**
 * A signed-up user (signedUpAgent) whose phone is verified, as the phone page leaves it (the dial page and the
 * priced previews count the leg to that phone); answers the session and the user's id.
 */
export async function verifiedCaller(
  t: TestApp,
  options: { email?: string; phone?: string } = {},
): Promise<{ agent: TestAgent; csrf: string; userId: number }> {
  const email = options.email ?? 'ada@example.com';
  const session = await signedUpAgent(t, { email });
  const user = await t.testDb.db('users').where({ email }).first<{ id: number }>('id');
  const userId = Number(user!.id);
  await t.testDb.db('users').where({ id: userId }).update({ phone_e164: options.phone ?? '+12015550123', phone_verified_at: new Date().toISOString() });
  return { ...session, userId };
}

/**
 * Follows an emailed confirmation link as a person does: the GET shows a page with a button (it must not confirm:
 * mail scanners prefetch links), and pressing the button POSTs the token with the page's CSRF token.
 */
export async function followConfirmLink(agent: TestAgent, link: string) {
  const url = new URL(link);
  const page = await agent.get(url.pathname + url.search);
  if (page.status !== 200) return page;
  return agent.post(url.pathname).set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: csrfTokenFrom(page.text), token: url.searchParams.get('token') ?? '' });
}

/** The newest link to `path` emailed to `to` (from the embedded outbox), waiting for it to be delivered. */
export async function emailedLink(t: Pick<BuiltApp, 'services'>, to: string, path: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await t.services.email.idle();
    const emails = await t.services.email.outboxJson(to.toLowerCase());
    const link = emails.flatMap((e) => e.links).find((l) => new URL(l).pathname === path);
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no email to ${to} with a link to ${path}; outbox: ${JSON.stringify(emails.map((e) => e.subject))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function makeAdmin(t: TestApp, email: string): Promise<void> {
  await t.testDb.db('users').where({ email }).update({ role: 'admin' });
}
