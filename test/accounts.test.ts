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
    const message = (html: string) => /class="error-summary"[\s\S]*?<a href="#email">([^<]+)</.exec(html)?.[1];
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

  it('answers a sign-up with a taken email exactly like a new one, and changes nothing', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const signUp = async (email: string) => {
      const agent = request.agent(t.app);
      const form = await agent.get('/signup');
      return agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Other', email, password: 'another long password' });
    };
    const taken = await signUp('ADA@example.com');
    const fresh = await signUp('new@example.com');
    for (const res of [taken, fresh]) {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/signup/check-email');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect(taken.text).toBe(fresh.text);
    expect(await t.services.users.count()).toBe(2);
    expect((await logIn('ada@example.com', 'another long password')).res.status).toBe(401);
    expect((await logIn('ada@example.com', 'correct horse battery')).res.status).toBe(303);
    expect((await request(t.app).get('/signup/check-email')).text).toContain('We have sent you an email with a link to confirm your address');
    // What differs goes to the inboxes only: the owner of the taken address is warned, the new address gets its link.
    await t.services.email.idle();
    const owner = await t.services.email.outboxJson('ada@example.com');
    expect(owner.map((e) => e.subject)).toEqual(['Someone tried to sign up with your address', 'Confirm your email address']);
    expect(owner[0]!.links.map((l) => new URL(l).pathname)).toEqual(['/login', '/forgot-password']);
    expect((await t.services.email.outboxJson('new@example.com')).map((e) => e.subject)).toEqual(['Confirm your email address']);
  });

  it('refuses passwords of only spaces', async () => {
    const agent = request.agent(t.app);
    const form = await agent.get('/signup');
    const res = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email: 'ada@example.com', password: ' '.repeat(12) });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="password-error">A password of only spaces/);
    expect(await t.services.users.count()).toBe(0);
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
    const anonymous = await request(t.app).get('/login');
    expect(anonymous.headers['set-cookie']).toBeUndefined();
    await signedUpAgent(t, { email: 'ada@example.com' });
    const res = await logIn('ada@example.com', 'correct horse battery');
    const cookie = res.res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/^callbridge\.sid=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');

    const secure = await createTestApp({ PUBLIC_URL: 'https://calls.example.com', TRUST_PROXY: 'true' });
    try {
      const form = await request(secure.app).get('/login').set('X-Forwarded-Proto', 'https');
      const res2 = await request(secure.app).post('/login').set('X-Forwarded-Proto', 'https').type('form').send({ _csrf: csrfTokenFrom(form.text), email: 'a@b.c', password: 'x' });
      expect(res2.status).toBe(401);
      await secure.services.accounts.ensureAdmin('boss@example.com', 'boss password 123');
      const form2 = await request(secure.app).get('/login').set('X-Forwarded-Proto', 'https');
      const res3 = await request(secure.app).post('/login').set('X-Forwarded-Proto', 'https').type('form').send({ _csrf: csrfTokenFrom(form2.text), email: 'boss@example.com', password: 'boss password 123' });
      const secureCookie = res3.headers['set-cookie']?.[0] ?? '';
      expect(secureCookie).toContain('Secure');
      expect(secureCookie).toContain('HttpOnly');
    } finally {
      await secure.close();
    }
  });

  it('regenerates the session id at log-in', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const { agent, res: first } = await logIn('ada@example.com', 'correct horse battery');
    const before = /callbridge\.sid=([^;]+)/.exec(first.headers['set-cookie']?.[0] ?? '')?.[1];
    // GET /login sends a logged-in user home, so the form token comes from a page of the logged-in session.
    const form = await agent.get('/account');
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
    const same = await agent.post('/account/password').type('form').send({ _csrf: csrf, current_password: 'correct horse battery', new_password: 'correct horse battery', confirm_password: 'correct horse battery' });
    expect(same.status).toBe(422);
    expect(same.text).toContain('Choose a password different from your current one');
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

  it('rate-limits failed log-ins to an account from one address, saying when to try again', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await logIn('ada@example.com', 'wrong guess')).res.status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const limited = await logIn('ada@example.com', 'correct horse battery');
    expect(limited.res.status).toBe(429);
    expect(limited.res.text).toContain('Too many failed log-ins. Try again in 15 minutes.');
    t.clock.advance(11 * 60_000);
    expect((await logIn('ada@example.com', 'correct horse battery')).res.text).toContain('Try again in 4 minutes.');
    t.clock.advance(4 * 60_000);
    expect((await logIn('ada@example.com', 'correct horse battery')).res.status).toBe(303);
  });

  it('ensureAdmin creates an admin or promotes an existing user', async () => {
    const created = await t.services.accounts.ensureAdmin('boss@example.com', 'boss password 123');
    expect(created).toMatchObject({ created: true, user: { role: 'admin' } });
    await signedUpAgent(t, { email: 'ada@example.com' });
    const promoted = await t.services.accounts.ensureAdmin('ada@example.com', 'ignored password');
    expect(promoted).toMatchObject({ created: false, user: { role: 'admin' } });
  });

  it('limits sign-ups per address and wrong current passwords per account, saying when to try again', async () => {
    const agent = request.agent(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const form = await agent.get('/signup');
      statuses.push((await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email: `ada${i}@example.com`, password: 'correct horse battery' })).status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect(await t.services.users.count()).toBe(10);

    const { agent: user } = await logIn('ada0@example.com', 'correct horse battery');
    const csrf = csrfTokenFrom((await user.get('/account')).text);
    const change = (current: string) => user.post('/account/password').type('form').send({ _csrf: csrf, current_password: current, new_password: 'a brand new password', confirm_password: 'a brand new password' });
    for (let i = 0; i < 5; i++) expect((await change('wrong password')).text).toContain('Current password is incorrect');
    const limited = await change('correct horse battery');
    expect(limited.status).toBe(422);
    expect(limited.text).toContain('Too many wrong passwords. Try again in 15 minutes.');
  });
});
