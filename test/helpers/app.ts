import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { createLogger } from '../../src/logger.js';
import { composeServices, type ComposedServices, type ServiceOverrides } from '../../src/services.js';
import { createTestDb, type TestDb } from './db.js';

export interface TestApp extends BuiltApp {
  services: ComposedServices;
  testDb: TestDb;
  clock: ManualClock;
  close(): Promise<void>;
}

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough';

/** The overrides every test app starts from: cheap password hashing, a silent logger, a fixed session secret. */
export function testOverrides(testDb: TestDb, clock: ManualClock | ServiceOverrides['clock']): ServiceOverrides {
  return { db: testDb.db, clock, sessionSecret: TEST_SESSION_SECRET, logger: createLogger('silent'), hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }) };
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
  // Sign-up answers alike for new and taken emails (it reveals nothing), so the new user then logs in.
  const login = await agent.get('/login');
  const logged = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfTokenFrom(login.text), email: user.email, password: user.password ?? 'correct horse battery' });
  if (logged.status !== 303) throw new Error(`log-in after sign-up failed: ${logged.status} ${logged.text.slice(0, 300)}`);
  const page = await agent.get('/account');
  return { agent, csrf: csrfTokenFrom(page.text) };
}

export async function makeAdmin(t: TestApp, email: string): Promise<void> {
  await t.testDb.db('users').where({ email }).update({ role: 'admin' });
}
