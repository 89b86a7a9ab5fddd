import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, makeAdmin, signedUpAgent, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function logIn(email: string, password: string) {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email, password });
  return { agent, res };
}

describe('accounts', () => {
  it('signs up, shows the account page, logs out and logs back in', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'Ada@Example.com', password: 'correct horse battery' });
    const account = await agent.get('/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain('ada@example.com');

    const out = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect((await agent.get('/account')).status).toBe(303);

    const { agent: again, res } = await logIn('ada@example.com', 'correct horse battery');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect((await again.get('/account')).text).toContain('Ada Lovelace');
  });

  it('gives the same message for a wrong password and an unknown email', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const wrong = await logIn('ada@example.com', 'not the password');
    const unknown = await logIn('nobody@example.com', 'not the password');
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]+)</.exec(html)?.[1];
    expect(message(wrong.res.text)).toBe('Email or password is incorrect.');
    expect(message(unknown.res.text)).toBe(message(wrong.res.text));
  });

  it('shows each sign-up error next to its field and keeps what was typed (but not the password)', async () => {
    const agent = request.agent(t.app);
    const form = await agent.get('/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="email-error">Enter an email address/);
    expect(res.text).toMatch(/id="password-error">Use at least 10 characters/);
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).not.toContain('value="short"');
    expect(await t.testDb.db('users').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('refuses a second account with the same email', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const agent = request.agent(t.app);
    const form = await agent.get('/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Other', email: 'ADA@example.com', password: 'another long password' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('already exists');
  });

  it('refuses a state-changing request without a valid CSRF token with 403', async () => {
    const agent = request.agent(t.app);
    await agent.get('/login');
    const missing = await agent.post('/login').type('form').send({ email: 'a@b.c', password: 'x' });
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('Reload the page');
    const forged = await agent.post('/login').type('form').send({ _csrf: 'forged', email: 'a@b.c', password: 'x' });
    expect(forged.status).toBe(403);

    const { agent: user, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    const htmx = await user.post('/logout').set('HX-Request', 'true').set('X-CSRF-Token', csrf);
    expect(htmx.status).toBe(303);
  });

  it('sets the session cookie httpOnly and SameSite=Lax, and Secure only behind an https public URL', async () => {
    const agent = request.agent(t.app);
    const res = await agent.get('/login');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^callbridge\.sid=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');

    const secure = await createTestApp({ PUBLIC_URL: 'https://calls.example.com', TRUST_PROXY: 'true' });
    try {
      const res2 = await request(secure.app).get('/login').set('X-Forwarded-Proto', 'https');
      const secureCookie = res2.headers['set-cookie']?.[0] ?? '';
      expect(secureCookie).toContain('Secure');
      expect(secureCookie).toContain('HttpOnly');
    } finally {
      await secure.close();
    }
  });

  it('regenerates the session id at log-in', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const agent = request.agent(t.app);
    const form = await agent.get('/login');
    const before = /callbridge\.sid=([^;]+)/.exec(form.headers['set-cookie']?.[0] ?? '')?.[1];
    const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email: 'ada@example.com', password: 'correct horse battery' });
    const after = /callbridge\.sid=([^;]+)/.exec(res.headers['set-cookie']?.[0] ?? '')?.[1];
    expect(before).toBeTruthy();
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
  });

  it('keeps sessions in the database', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const rows = await t.testDb.db('sessions').select('data');
    expect(rows.some((r: { data: string }) => JSON.parse(r.data).userId !== undefined)).toBe(true);
  });

  it('reads, but does not rewrite, the session of a signed-in page view (no write per request)', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    const before = await t.testDb.db('sessions').select().orderBy('sid');
    t.clock.advance(60_000);
    for (const path of ['/account', '/wallet', '/rates']) expect((await agent.get(path)).status).toBe(200);
    expect(await t.testDb.db('sessions').select().orderBy('sid')).toEqual(before);
  });

  it('changes the password only with the current one', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com', password: 'correct horse battery' });
    const bad = await agent.post('/account/password').type('form').send({ _csrf: csrf, current_password: 'wrong password', new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Current password is incorrect');
    const good = await agent.post('/account/password').type('form').send({ _csrf: csrf, current_password: 'correct horse battery', new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(good.status).toBe(303);
    expect((await logIn('ada@example.com', 'a brand new password')).res.status).toBe(303);
    expect((await logIn('ada@example.com', 'correct horse battery')).res.status).toBe(401);
  });

  it('keeps users out of admin pages (403) and lets admins in', async () => {
    const { agent } = await signedUpAgent(t, { email: 'ada@example.com' });
    const denied = await agent.get('/admin');
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('administrators only');
    await makeAdmin(t, 'ada@example.com');
    expect((await agent.get('/admin')).status).toBe(200);
    expect((await request(t.app).get('/admin')).status).toBe(303);
  });

  it('only follows same-site paths after log-in', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const agent = request.agent(t.app);
    const form = await agent.get('/login?next=//evil.example');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email: 'ada@example.com', password: 'correct horse battery', next: '//evil.example' });
    expect(res.headers.location).toBe('/');
  });

  it('rate-limits log-in attempts', async () => {
    const agent = request.agent(t.app);
    const form = await agent.get('/login');
    const csrf = csrfTokenFrom(form.text);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await agent.post('/login').type('form').send({ _csrf: csrf, email: 'x@example.com', password: 'y' })).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('ensureAdmin creates an admin or promotes an existing user', async () => {
    const created = await t.services.accounts.ensureAdmin('boss@example.com', 'boss password 123');
    expect(created).toMatchObject({ created: true, user: { role: 'admin' } });
    await signedUpAgent(t, { email: 'ada@example.com' });
    const promoted = await t.services.accounts.ensureAdmin('ada@example.com', 'ignored password');
    expect(promoted).toMatchObject({ created: false, user: { role: 'admin' } });
  });
});
