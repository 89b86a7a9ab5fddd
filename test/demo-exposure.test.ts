import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_USER, demoExposure, isLoopbackHost, seedDemoAccounts, workingDemoLogIns } from '../src/demo/seed.js';
import { loadConfig } from '../src/config/config.js';
import { composeServices } from '../src/services.js';
import { SIM_AUTH_TOKEN } from '../src/sim/constants.js';
import { createTestApp, csrfTokenFrom, testOverrides, type TestApp } from './helpers/app.js';
import { createTestDb } from './helpers/db.js';
import { ManualClock } from '../src/clock.js';

/** Issue 26, finding 7: simulation mode is safe by default. */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('where simulation mode may listen', () => {
  it('is loopback by default; elsewhere only as a declared public demo', () => {
    expect(demoExposure(loadConfig({}))).toBe('loopback');
    expect(demoExposure(loadConfig({ HOST: 'localhost' }))).toBe('loopback');
    expect(demoExposure(loadConfig({ HOST: '::1' }))).toBe('loopback');
    expect(demoExposure(loadConfig({ HOST: '0.0.0.0' }))).toBe('refuse');
    expect(demoExposure(loadConfig({ HOST: '10.0.0.5' }))).toBe('refuse');
    expect(demoExposure(loadConfig({ HOST: '::' }))).toBe('refuse');
    expect(demoExposure(loadConfig({ HOST: '0.0.0.0', DEMO_PUBLIC: 'true' }))).toBe('public-demo');
    expect(demoExposure(loadConfig({ HOST: '0.0.0.0', TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x', TWILIO_CALLER_ID: '+15005550006' }))).toBe('not-simulating');
    expect(['127.0.0.1', '127.1.2.3', '[::1]', 'LOCALHOST'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '::', '192.168.1.2', 'example.com', '128.0.0.1'].some(isLoopbackHost)).toBe(false);
  });
});

describe('a public demo', () => {
  async function logIn(email: string, password: string): Promise<number> {
    const agent = request.agent(t!.app);
    const form = await agent.get('/login');
    return (await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email, password })).status;
  }

  it('generates the demo and admin passwords at first start; the published ones never work', async () => {
    t = await createTestApp();
    const seeded = await seedDemoAccounts(t.services, { publicDemo: true });
    expect(seeded.created).toBe(true);
    expect(seeded.generated.map((g) => g.email)).toEqual([DEMO_USER.email, DEMO_ADMIN.email]);
    for (const g of seeded.generated) expect(g.password).not.toMatch(/^(demo|admin)-password$/);
    expect(await workingDemoLogIns(t.services)).toEqual([]);
    expect(await logIn(DEMO_USER.email, DEMO_USER.password)).toBe(401);
    expect(await logIn(DEMO_ADMIN.email, seeded.generated[1]!.password)).toBe(303);
    // A later start prints nothing again.
    expect(await seedDemoAccounts(t.services, { publicDemo: true })).toEqual({ created: false, generated: [] });
  });

  it('replaces published passwords of a database first started on loopback', async () => {
    t = await createTestApp();
    await seedDemoAccounts(t.services);
    const again = await seedDemoAccounts(t.services, { publicDemo: true });
    expect(again.generated.map((g) => g.email)).toEqual([DEMO_USER.email, DEMO_ADMIN.email]);
    expect(await workingDemoLogIns(t.services)).toEqual([]);
    expect(await logIn(DEMO_USER.email, again.generated[0]!.password)).toBe(303);
  });
});

describe('the simulator\'s webhook signing token', () => {
  it('is random per database, kept across restarts, and not the public constant', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const [first, second] = [await createTestDb(), await createTestDb()];
    const compose = (db: typeof first) => composeServices(config, { ...testOverrides(db, new ManualClock(new Date())), jobs: null, stripe: false, simulator: { port: 0, rateDeckFile: false } });
    try {
      const a = await compose(first);
      const tokenA = a.simulator!.authToken;
      await a.close();
      const b = await compose(second);
      const tokenB = b.simulator!.authToken;
      await b.close();
      const again = await compose(first);
      const tokenAgain = again.simulator!.authToken;
      await again.close();
      expect(tokenA).not.toBe(SIM_AUTH_TOKEN);
      expect(tokenA).not.toBe(tokenB);
      expect(tokenAgain).toBe(tokenA);
      expect(tokenA.length).toBeGreaterThanOrEqual(32);
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});
