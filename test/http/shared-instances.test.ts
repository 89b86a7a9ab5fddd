import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { composeServices } from '../../src/services.js';
import { csrfTokenFrom } from '../helpers/app.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/** Two app instances on one database, as behind a load balancer: what one learns, the other must know. */
describe('several instances on one database', () => {
  let testDb: TestDb;
  let clock: ManualClock;
  let first: BuiltApp;
  let second: BuiltApp;

  const instance = async () =>
    buildApp(
      await composeServices(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), {
        db: testDb.db,
        clock,
        sessionSecret: 'shared-session-secret-that-is-long-enough',
        logger: createLogger('silent'),
        hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }),
        telephony: null,
        jobs: null,
        stripe: false,
      }),
    );

  beforeEach(async () => {
    testDb = await createTestDb();
    clock = new ManualClock(new Date('2026-11-22T04:00:00Z'));
    first = await instance();
    second = await instance();
  });
  afterEach(() => testDb.destroy());

  it('shares sessions: signed up on one instance, logged in on the other', async () => {
    const onFirst = request.agent(first.app);
    const form = await onFirst.get('/signup');
    const signUp = await onFirst.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' });
    expect(signUp.status).toBe(303);
    const login = await onFirst.get('/login');
    const logIn = await onFirst.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'ada@example.com', password: 'correct horse battery' });
    expect(logIn.status).toBe(303);
    const cookie = logIn.headers['set-cookie']!;
    const account = await request(second.app).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
    expect(account.text).toContain('ada@example.com');
  });
  // Log-in limits shared between instances: test/accounts (database attempt counters).
});
