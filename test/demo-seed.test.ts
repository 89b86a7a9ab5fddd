import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_USER, seedDemoAccounts, workingDemoLogIns } from '../src/demo/seed.js';
import { argon2Hasher } from '../src/accounts/passwords.js';
import { createTestApp, csrfTokenFrom, type TestApp } from './helpers/app.js';
import { expectLedgerConsistent } from './helpers/ledger.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await expectLedgerConsistent(t.testDb.db);
  await t.close();
});

describe('simulation-mode demo accounts', () => {
  it('seed a demo user with a verified phone and credit, and a demo admin, once', async () => {
    expect(await seedDemoAccounts(t.services)).toEqual({ created: true, generated: [] });
    const user = (await t.services.users.findCredentialsByEmail(DEMO_USER.email))!.user;
    expect(user).toMatchObject({ role: 'user', phoneE164: DEMO_USER.phone });
    expect(user.phoneVerifiedAt).toBeTruthy();
    expect((await t.services.money.wallet.summary(user.id)).balanceMicros).toBeGreaterThan(0);
    expect((await t.services.users.findCredentialsByEmail(DEMO_ADMIN.email))!.user.role).toBe('admin');

    expect(await seedDemoAccounts(t.services)).toEqual({ created: false, generated: [] });
    expect(await t.services.users.count()).toBe(2);
  });

  it('lets a person log in with the printed demo credentials', async () => {
    await seedDemoAccounts(t.services);
    const agent = request.agent(t.app);
    const form = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email: DEMO_USER.email, password: DEMO_USER.password });
    expect(res.status).toBe(303);
    expect((await agent.get('/wallet')).text).toContain('$5.0000');
  });

  it('start-up lists only the demo log-ins whose documented password still works', async () => {
    await seedDemoAccounts(t.services);
    expect((await workingDemoLogIns(t.services)).map((l) => l.email)).toEqual([DEMO_USER.email, DEMO_ADMIN.email]);
    const user = (await t.services.users.findCredentialsByEmail(DEMO_USER.email))!.user;
    await t.services.users.updatePassword(user.id, await argon2Hasher({ memoryCost: 1024, timeCost: 1 }).hash('changed by its owner'), new Date().toISOString());
    expect((await workingDemoLogIns(t.services)).map((l) => l.email)).toEqual([DEMO_ADMIN.email]);
  });
});
