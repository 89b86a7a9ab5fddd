import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { csrfTokenFrom } from '../helpers/app.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/** Two app instances on one database, as behind a load balancer: what one learns, the other must know. */
describe('several instances on one database', () => {
  let testDb: TestDb;
  let clock: ManualClock;
  let first: BuiltApp;
  let second: BuiltApp;

  const instance = () =>
    buildApp({
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
      db: testDb.db,
      clock,
      sessionSecret: 'shared-session-secret-that-is-long-enough',
      logger: createLogger('silent'),
      hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }),
    });

  const failedLogIn = async (app: BuiltApp) => {
    const agent = request.agent(app.app);
    const csrf = csrfTokenFrom((await agent.get('/login')).text);
    return (await agent.post('/login').type('form').send({ _csrf: csrf, email: 'x@example.com', password: 'wrong password' })).status;
  };

  beforeEach(async () => {
    testDb = await createTestDb();
    clock = new ManualClock(new Date('2026-11-22T04:00:00Z'));
    first = instance();
    second = instance();
  });
  afterEach(() => testDb.destroy());

  it('shares sessions: signed up on one instance, logged in on the other', async () => {
    const onFirst = request.agent(first.app);
    const form = await onFirst.get('/signup');
    const signUp = await onFirst.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' });
    expect(signUp.status).toBe(303);
    const cookie = signUp.headers['set-cookie']!;
    const account = await request(second.app).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
    expect(account.text).toContain('ada@example.com');
  });

  it('shares log-in rate limits: attempts on both instances count against one budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await failedLogIn(first), await failedLogIn(second));
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(await failedLogIn(second)).toBe(429);
    expect(await failedLogIn(first)).toBe(429);
  });

  it('starts a new rate-limit window once the old one is over', async () => {
    for (let i = 0; i < 20; i++) await failedLogIn(i % 2 ? first : second);
    expect(await failedLogIn(first)).toBe(429);
    clock.advance(15 * 60_000 + 1);
    expect(await failedLogIn(second)).toBe(401);
  });
});
