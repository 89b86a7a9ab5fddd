import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { deviceName } from '../../src/accounts/device-name.js';
import { DEMO_USER, seedDemoAccounts } from '../../src/demo/seed.js';
import { composeServices } from '../../src/services.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, testOverrides, type TestApp } from '../helpers/app.js';
import { join } from 'node:path';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { LAST_SEEN_RESOLUTION_MS } from '../../src/http/session-store.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** Every INSERT, UPDATE or DELETE the app sends to the database while `work` runs. */
async function writesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const writes: string[] = [];
  const listener = (query: { sql: string }) => {
    if (/^\s*(insert|update|delete)\b/i.test(query.sql)) writes.push(query.sql);
  };
  t.testDb.db.on('query', listener);
  try {
    await work();
  } finally {
    t.testDb.db.off('query', listener);
  }
  return writes;
}

const sessionRows = () => t.testDb.db('sessions').orderBy('sid').select('*');

async function logIn(email: string, password: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0') {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  const res = await agent.post('/login').set('User-Agent', userAgent).type('form').send({ _csrf: csrfTokenFrom(form.text), email, password });
  return { agent, res };
}

describe('sessions cost nothing until there is something to remember', () => {
  it('anonymous GETs of every public page write nothing and set no cookie', async () => {
    await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
    await signedUpAgent(t, { email: 'ada@example.com' });
    const before = await sessionRows();
    const pages = ['/', '/login', '/login?next=%2Fwallet', '/login?signed_up=1', '/signup', '/rates', '/rates?q=france', '/rates?number=%2B442079460958', '/healthz', '/readyz', '/no/such/page', '/wallet', '/account', '/account/phone'];
    const writes = await writesDuring(async () => {
      for (const page of pages) {
        const res = await request(t.app).get(page);
        expect(res.status, page).toBeLessThan(500);
        expect(res.headers['set-cookie'], page).toBeUndefined();
      }
      for (const fragment of ['/rates/countries?q=fr', '/rates/preview?number=%2B33612345678']) {
        const res = await request(t.app).get(fragment).set('HX-Request', 'true');
        expect(res.status, fragment).toBe(200);
        expect(res.headers['set-cookie'], fragment).toBeUndefined();
      }
    });
    expect(writes).toEqual([]);
    expect(await sessionRows()).toEqual(before);
  });

  it('100 status-style GETs by a logged-in user write nothing; last seen is refreshed at most every 5 minutes', async () => {
    await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    const before = await sessionRows();
    const writes = await writesDuring(async () => {
      for (let i = 0; i < 100; i++) {
        const res = i % 2 ? await agent.get('/rates/preview?number=%2B442079460958').set('HX-Request', 'true') : await agent.get('/wallet');
        expect(res.status).toBe(200);
      }
    });
    expect(writes).toEqual([]);
    expect(await sessionRows()).toEqual(before);

    t.clock.advance(LAST_SEEN_RESOLUTION_MS - 1);
    expect(await writesDuring(() => agent.get('/wallet'))).toEqual([]);
    t.clock.advance(1);
    const later = await writesDuring(async () => {
      for (let i = 0; i < 10; i++) await agent.get('/wallet');
    });
    expect(later).toHaveLength(1);
    expect(later[0]).toMatch(/update .*sessions/i);
    const [row] = await t.testDb.db('sessions').whereNotNull('user_id').select('last_seen_at');
    expect(Number(row.last_seen_at)).toBe(t.clock.now().getTime());
  });

  it('sends Cache-Control: no-store with every page of a logged-in user', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    for (const page of ['/', '/wallet', '/account', '/account/phone']) expect((await agent.get(page)).headers['cache-control'], page).toBe('no-store');
    await agent.post('/logout').type('form').send({ _csrf: csrf });
    const after = await agent.get('/wallet');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login?next=%2Fwallet');
  });
});

describe('sessions you control', () => {
  it('stores the user on the session row and lists sessions with device, last seen and this one marked', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const phone = await logIn('ada@example.com', 'correct horse battery', 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1');
    t.clock.advance(5 * 60_000);
    const laptop = await logIn('ada@example.com', 'correct horse battery', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36');
    const user = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    expect(await t.testDb.db('sessions').where({ user_id: user.id }).count({ n: '*' }).first()).toMatchObject({ n: 3 });

    const page = await laptop.agent.get('/account');
    expect(page.text).toContain('Safari on iPhone');
    expect(page.text).toMatch(/Chrome on Windows<\/strong> <span class="badge">This device<\/span>/);
    expect(page.text).toContain('5 minutes ago');
    expect(page.text).toContain('Log out everywhere else');

    const noToken = await laptop.agent.post('/account/sessions/end-others').type('form').send({});
    expect(noToken.status).toBe(403);
    const ended = await laptop.agent.post('/account/sessions/end-others').type('form').send({ _csrf: csrfTokenFrom(page.text) });
    expect(ended.status).toBe(303);
    expect((await phone.agent.get('/wallet')).status).toBe(303);
    const after = await laptop.agent.get('/account');
    expect(after.status).toBe(200);
    expect(after.text).toContain('Logged out 2 other sessions.');
    expect(after.text).toContain('You are not logged in anywhere else.');
  });

  it('a password change logs out every other session and keeps this one', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    const other = await logIn('ada@example.com', 'correct horse battery');
    expect((await other.agent.get('/wallet')).status).toBe(200);
    const res = await agent.post('/account/password').type('form').send({ _csrf: csrf, current_password: 'correct horse battery', new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(res.status).toBe(303);
    expect((await other.agent.get('/wallet')).status).toBe(303);
    expect((await agent.get('/account')).text).toContain('Every other session has been logged out.');
  });

  it('names devices from their User-Agent', () => {
    expect(deviceName('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36')).toBe('Chrome on Android');
    expect(deviceName('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15')).toBe('Safari on Mac');
    expect(deviceName('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0')).toBe('Edge on Windows');
    expect(deviceName('curl/8.5.0')).toBe('curl');
    expect(deviceName(undefined)).toBe('Unknown device');
  });
});

describe('public forms', () => {
  it('refuse a form token older than 12 hours and a post from another site', async () => {
    const form = await request(t.app).get('/login');
    const token = csrfTokenFrom(form.text);
    const crossSite = await request(t.app).post('/login').set('Origin', 'https://evil.example').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(crossSite.status).toBe(403);
    const crossSiteFetch = await request(t.app).post('/login').set('Origin', 'null').set('Sec-Fetch-Site', 'cross-site').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(crossSiteFetch.status).toBe(403);
    const sameOriginFetch = await request(t.app).post('/login').set('Origin', 'null').set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(sameOriginFetch.status).toBe(401);
    const nullOrigin = await request(t.app).post('/login').set('Origin', 'null').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(nullOrigin.status).toBe(403);
    // Neither Sec-Fetch-Site nor Origin: not a current browser; refused when it carries cookies (issue 26, item 13).
    const headerless = await request(t.app).post('/login').set('Cookie', 'callbridge.sid=s%3Aplanted').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(headerless.status).toBe(403);
    const noBrowser = await request(t.app).post('/login').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(noBrowser.status).toBe(401);
    expect(noBrowser.headers['set-cookie']).toBeUndefined();
    t.clock.advance(12 * 3600_000 + 1);
    const stale = await request(t.app).post('/login').type('form').send({ _csrf: token, email: 'a@b.c', password: 'x' });
    expect(stale.status).toBe(403);
  });
});

describe('log-in limits that do not lock owners out', () => {
  it('do not count successful log-ins, spare the owner on another address, and are shared between instances', async () => {
    const proxied = await createTestApp({ TRUST_PROXY: 'true' });
    try {
      await signedUpAgent(proxied, { email: 'ada@example.com' });
      const attempt = async (app: typeof proxied.app, password: string, address: string) => {
        const form = await request(app).get('/login');
        return request(app).post('/login').set('X-Forwarded-For', address).type('form').send({ _csrf: csrfTokenFrom(form.text), email: 'ada@example.com', password });
      };
      for (let i = 0; i < 8; i++) expect((await attempt(proxied.app, 'correct horse battery', '203.0.113.1')).status).toBe(303);
      for (let i = 0; i < 5; i++) expect((await attempt(proxied.app, 'wrong guess', '198.51.100.7')).status).toBe(401);
      expect((await attempt(proxied.app, 'correct horse battery', '198.51.100.7')).status).toBe(429);
      expect((await attempt(proxied.app, 'correct horse battery', '203.0.113.1')).status).toBe(303);

      // Another instance on the same database (or this one after a restart) sees the same counters.
      const secondServices = await composeServices(proxied.services.config, { telephony: null, jobs: null, stripe: false, ...testOverrides(proxied.testDb, proxied.clock) });
      const { app: second } = buildApp(secondServices);
      const refused = await attempt(second, 'correct horse battery', '198.51.100.7');
      expect(refused.status).toBe(429);
      expect(refused.text).toContain('Try again in 15 minutes.');
    } finally {
      await proxied.close();
    }
  });
});

describe('demo accounts', () => {
  it('cannot log in once real Twilio credentials are configured', async () => {
    const real = await createTestApp({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'real-token', TWILIO_CALLER_ID: '+15005550006' });
    try {
      await seedDemoAccounts(real.services);
      const form = await request(real.app).get('/login');
      const res = await request(real.app).post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email: DEMO_USER.email, password: DEMO_USER.password });
      expect(res.status).toBe(403);
      expect(res.text).toContain('Demo accounts are switched off on this server');
      expect(res.headers['set-cookie']).toBeUndefined();
    } finally {
      await real.close();
    }
  });
});
