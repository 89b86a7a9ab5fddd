import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, emailedLink, followConfirmLink, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const pathOf = (link: string) => link.replace(/^https?:\/\/[^/]+/, '');

async function signUp(email: string, password = 'correct horse battery') {
  const agent = request.agent(t.app);
  const form = await agent.get('/signup');
  const res = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada Lovelace', email, password });
  return { agent, res };
}

async function logIn(email: string, password: string) {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email, password });
  return { agent, res };
}

async function forgot(email: string, agent = request.agent(t.app)) {
  const form = await agent.get('/forgot-password');
  const started = performance.now();
  const res = await agent.post('/forgot-password').type('form').send({ _csrf: csrfTokenFrom(form.text), email });
  return { res, ms: performance.now() - started };
}

describe('confirming the address at sign-up', () => {
  it('answers "check your email"; the link confirms and logs in, once', async () => {
    const { agent, res } = await signUp('ada@example.com');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signup/check-email');
    const link = await emailedLink(t, 'ada@example.com', '/confirm-email');
    const token = new URL(link).searchParams.get('token')!;
    // Only a hash is stored.
    const stored = await t.testDb.db('email_tokens').first();
    expect(JSON.stringify(stored)).not.toContain(token);

    const confirmed = await followConfirmLink(agent, link);
    expect(confirmed.status).toBe(303);
    expect((await agent.get('/account/phone')).status).toBe(200);
    expect((await t.services.users.findCredentialsByEmail('ada@example.com'))!.user.emailConfirmedAt).toBeTruthy();

    const again = await request(t.app).get(pathOf(link));
    expect(again.status).toBe(410);
    expect(again.text).toContain('expired or was already used');
    const againPosted = await followConfirmLink(request.agent(t.app), link);
    expect(againPosted.status).toBe(410);
  });

  it('a GET of the link (a mail scanner prefetching it) confirms nothing and logs nobody in; the page button does', async () => {
    const { agent } = await signUp('ada@example.com');
    const link = await emailedLink(t, 'ada@example.com', '/confirm-email');
    for (let i = 0; i < 3; i++) {
      const scanned = await request(t.app).get(pathOf(link));
      expect(scanned.status).toBe(200);
      expect(scanned.text).toContain('Confirm my email address');
      expect(scanned.text).toContain('method="post" action="/confirm-email"');
    }
    expect((await t.services.users.findCredentialsByEmail('ada@example.com'))!.user.emailConfirmedAt).toBeNull();
    expect((await agent.get('/account/phone')).status).not.toBe(200);
    // Without the page's CSRF token the POST is refused and uses nothing up.
    const token = new URL(link).searchParams.get('token')!;
    expect((await agent.post('/confirm-email').set('Sec-Fetch-Site', 'cross-site').type('form').send({ token })).status).toBe(403);
    expect((await followConfirmLink(agent, link)).status).toBe(303);
    expect((await agent.get('/account/phone')).status).toBe(200);
  });

  it('refuses a link older than 24 hours', async () => {
    await signUp('ada@example.com');
    const link = await emailedLink(t, 'ada@example.com', '/confirm-email');
    t.clock.advance(24 * 3600_000 + 1_000);
    expect((await request(t.app).get(pathOf(link))).status).toBe(410);
    const form = await request.agent(t.app).get('/login');
    const posted = await request(t.app).post('/confirm-email').set('Sec-Fetch-Site', 'same-origin').type('form').send({ _csrf: csrfTokenFrom(form.text), token: new URL(link).searchParams.get('token')! });
    expect(posted.status).toBe(410);
    expect((await t.services.users.findCredentialsByEmail('ada@example.com'))!.user.emailConfirmedAt).toBeNull();
  });

  it('lets an unconfirmed account look around but not verify a phone, call or redeem; resend is limited', async () => {
    await signUp('ada@example.com');
    const { agent, res } = await logIn('ada@example.com', 'correct horse battery');
    expect(res.status).toBe(303);
    const home = await agent.get('/account');
    expect(home.status).toBe(200);
    expect(home.text).toContain('Confirm your email address to make calls');
    const csrf = csrfTokenFrom(home.text);
    const phone = await agent.post('/account/phone').type('form').send({ _csrf: csrf, phone: '+14155550100', channel: 'sms' });
    expect(phone.status).toBe(303);
    expect((await agent.get('/account')).text).toContain('Confirm your email address first');
    const user = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    const call = await t.services.calls.start({ userId: user.id, to: '+442071838750' });
    expect(call).toMatchObject({ ok: false, reason: 'email-unconfirmed' });

    const resends = [];
    for (let i = 0; i < 4; i++) resends.push(await agent.post('/account/confirm-email/resend').type('form').send({ _csrf: csrf }));
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com')).filter((e) => e.subject === 'Confirm your email address')).toHaveLength(4);
  });
});

describe('forgot password', () => {
  it('answers an unknown address with the same page, in the same time class, and sends nothing', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    await t.services.email.idle();
    const before = (await t.services.email.outboxJson()).length;
    const known = await forgot('ada@example.com');
    const unknown = await forgot('nobody@example.com');
    const strip = (html: string) => html.replace(/value="[^"]+"/g, '').replace(/nobody@example\.com|ada@example\.com/g, 'EMAIL');
    expect(known.res.status).toBe(200);
    expect(strip(unknown.res.text)).toBe(strip(known.res.text));
    // The lookup and the email happen after the answer: neither path waits for them.
    // (A bound, not equality: a busy 2-core machine adds tens of ms of noise to either request.)
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(200);
    await t.services.email.idle();
    const sent = (await t.services.email.outboxJson()).slice(0, (await t.services.email.outboxJson()).length - before);
    expect(sent.map((e) => [e.to, e.subject])).toEqual([['ada@example.com', 'Reset your callbridge password']]);
  });

  it('sets a new password through the link (30 minutes, once) and ends every session', async () => {
    const { agent: first } = await signedUpAgent(t, { email: 'ada@example.com' });
    const { agent: second } = await logIn('ada@example.com', 'correct horse battery');
    expect((await second.get('/account')).status).toBe(200);
    await forgot('ada@example.com');
    const link = await emailedLink(t, 'ada@example.com', '/reset-password');
    const browser = request.agent(t.app);
    const form = await browser.get(pathOf(link));
    expect(form.status).toBe(200);
    const token = new URL(link).searchParams.get('token')!;
    const reset = await browser.post('/reset-password').type('form').send({ _csrf: csrfTokenFrom(form.text), token, new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(reset.status).toBe(303);
    expect(reset.headers.location).toBe('/login');
    const loginPage = await browser.get('/login');
    expect(loginPage.text).toContain('every session was logged out');
    expect(loginPage.text).toContain('Your API tokens still work');
    for (const agent of [first, second]) expect((await agent.get('/account')).status).toBe(303);
    expect((await logIn('ada@example.com', 'correct horse battery')).res.status).toBe(401);
    expect((await logIn('ada@example.com', 'a brand new password')).res.status).toBe(303);
    // Used once.
    expect((await browser.get(pathOf(link))).status).toBe(410);
    // A newer link expires after 30 minutes.
    await forgot('ada@example.com');
    await t.services.email.idle();
    const newer = (await t.services.email.outboxJson('ada@example.com')).find((e) => e.subject === 'Reset your callbridge password')!.links[0]!;
    expect(newer).not.toBe(link);
    t.clock.advance(30 * 60_000 + 1_000);
    expect((await browser.get(pathOf(newer))).status).toBe(410);
  });

  it('revokes the API tokens when asked and says so', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'script', scope: 'read' });
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com')).map((e) => e.subject)).toContain('A new API token was created on your account');
    await forgot('ada@example.com');
    const link = await emailedLink(t, 'ada@example.com', '/reset-password');
    const browser = request.agent(t.app);
    const form = await browser.get(pathOf(link));
    await browser.post('/reset-password').type('form').send({ _csrf: csrfTokenFrom(form.text), token: new URL(link).searchParams.get('token'), new_password: 'a brand new password', confirm_password: 'a brand new password', revoke_tokens: '1' });
    expect((await browser.get('/login')).text).toContain('1 API token was revoked');
    const user = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    expect((await t.services.api.tokens.list(user.id)).every((token) => token.revokedAt)).toBe(true);
  });

  it('holds the per-address limit under 30 parallel requests', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const results = await Promise.all(Array.from({ length: 30 }, () => forgot('ada@example.com')));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.res.status === 429)).toHaveLength(27);
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com')).filter((e) => e.subject === 'Reset your callbridge password')).toHaveLength(3);
  });

  it('holds the per-client limit under 30 parallel requests naming different addresses', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => forgot(`someone-${i}@example.com`)));
    expect(results.filter((r) => r.res.status === 200)).toHaveLength(20);
    expect(results.filter((r) => r.res.status === 429)).toHaveLength(10);
  });

  it('lets an admin email a reset link from the user page', async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const { agent: admin, csrf } = await signedUpAgent(t, { email: 'root@example.com' });
    await t.testDb.db('users').where({ email: 'root@example.com' }).update({ role: 'admin' });
    const ada = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    const res = await admin.post(`/admin/users/${ada.id}/reset-link`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    const link = await emailedLink(t, 'ada@example.com', '/reset-password');
    expect((await request(t.app).get(pathOf(link))).status).toBe(200);
    // Audited, without the link itself.
    const root = (await t.services.users.findCredentialsByEmail('root@example.com'))!.user;
    const audit = await t.testDb.db('audit_log').where({ action: 'user.reset-link' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: root.id, subject: `user ${ada.id}` });
    expect(JSON.stringify(audit[0])).not.toContain(new URL(link).searchParams.get('token')!);
    expect((await admin.get('/admin/audit')).text).toContain('Emailed a password reset link to ada@example.com');
    // An unknown user: 404 and no audit row; a non-admin: 403.
    expect((await admin.post('/admin/users/999999/reset-link').type('form').send({ _csrf: csrf })).status).toBe(404);
    const { agent: ada2, csrf: adaCsrf } = await signedUpAgent(t, { email: 'bob@example.com' });
    expect((await ada2.post(`/admin/users/${ada.id}/reset-link`).type('form').send({ _csrf: adaCsrf })).status).toBe(403);
    expect(await t.testDb.db('audit_log').where({ action: 'user.reset-link' })).toHaveLength(1);
  });

  it("an admin's reset link and its audit row commit together: when the audit write fails, no link exists and no email goes", async () => {
    await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    const before = await t.testDb.db('email_tokens').where({ user_id: ada.id, purpose: 'reset' }).count({ n: '*' }).first();
    // An actor id that is no user breaks the audit row's foreign key, inside the transaction.
    await expect(t.services.email.accounts.adminSendReset(987_654_321, ada.id)).rejects.toThrow();
    const after = await t.testDb.db('email_tokens').where({ user_id: ada.id, purpose: 'reset' }).count({ n: '*' }).first();
    expect(Number(after!.n)).toBe(Number(before!.n));
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com')).filter((e) => e.subject === 'Reset your callbridge password')).toHaveLength(0);
  });
});

describe('account page', () => {
  it('changes the name, and the email after the new address confirms; the old address is told', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    await agent.post('/account/name').type('form').send({ _csrf: csrf, name: 'Countess Lovelace' });
    expect((await agent.get('/account')).text).toContain('Countess Lovelace');
    const wrong = await agent.post('/account/email').type('form').send({ _csrf: csrf, new_email: 'countess@example.com', email_password: 'not it at all' });
    expect(wrong.status).toBe(303);
    expect((await agent.get('/account')).text).toContain('Current password is incorrect');
    await agent.post('/account/email').type('form').send({ _csrf: csrf, new_email: 'countess@example.com', email_password: 'correct horse battery' });
    expect((await agent.get('/account')).text).toContain('ada@example.com');
    const link = await emailedLink(t, 'countess@example.com', '/account/email/confirm');
    // Opening the link (or a scanner prefetching it) changes nothing; the page's button does.
    expect((await request(t.app).get(pathOf(link))).status).toBe(200);
    expect((await agent.get('/account')).text).toContain('ada@example.com');
    expect((await followConfirmLink(agent, link)).status).toBe(303);
    expect((await agent.get('/account')).text).toContain('countess@example.com');
    await t.services.email.idle();
    const old = await t.services.email.outboxJson('ada@example.com');
    expect(old[0]).toMatchObject({ subject: 'Your callbridge email address was changed' });
    expect(old[0]!.text).toContain('countess@example.com');
    expect((await request(t.app).get(pathOf(link))).status).toBe(410);
  });
});

describe('notices', () => {
  it('sends the low-balance notice once per crossing, respects preferences, and unsubscribes in one click', async () => {
    const { agent, csrf } = await signedUpAgent(t, { email: 'ada@example.com' });
    const user = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user;
    const lowBalance = async () => (await t.services.email.outboxJson('ada@example.com')).filter((e) => e.subject === 'Your callbridge balance is low');
    await t.services.money.wallet.credit(user.id, { kind: 'grant', amountMicros: 1_000_000, description: 'Test' });
    await Promise.all([1, 2, 3].map(() => t.services.email.notices.balanceChanged(user.id)));
    await t.services.email.idle();
    expect(await lowBalance()).toHaveLength(1);
    expect((await lowBalance())[0]!.text).toContain('$1.0000');
    await t.services.email.notices.balanceChanged(user.id);
    await t.services.email.idle();
    expect(await lowBalance()).toHaveLength(1);
    // Back above the threshold, then below again: a new crossing.
    await t.services.money.wallet.credit(user.id, { kind: 'grant', amountMicros: 5_000_000, description: 'Test' });
    await t.services.email.notices.balanceChanged(user.id);
    expect(await t.testDb.db('users').where({ id: user.id }).first('low_balance_noticed_at')).toEqual({ low_balance_noticed_at: null });
    const row = await t.testDb.db('emails').where({ kind: 'low-balance' }).first();
    expect(JSON.parse(row.headers as string)['List-Unsubscribe']).toMatch(/\/notices\/unsubscribe\?u=\d+&k=low-balance&s=/);

    // Switched off on the preferences page: receipts still come, low balance does not.
    await agent.post('/account/notices').type('form').send({ _csrf: csrf, on: 'receipts' });
    expect((await agent.get('/account/notices')).text).toMatch(/id="notice-receipts"[^>]*checked/);
    await t.services.email.notices.notify(user.id, 'top-up-receipt', { amountMicros: 10_000_000, at: new Date().toISOString() });
    await t.services.email.notices.notify(user.id, 'low-balance', { balanceMicros: 1, thresholdMicros: 2_000_000, walletUrl: 'x' });
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com'))[0]).toMatchObject({ subject: 'Receipt: your callbridge top-up' });
    expect(await lowBalance()).toHaveLength(1);

    // One-click unsubscribe from the receipt's header (no session, no CSRF token: the signature is the authority).
    const receipt = await t.testDb.db('emails').where({ kind: 'top-up-receipt' }).first();
    const url = /<([^>]+)>/.exec(JSON.parse(receipt.headers as string)['List-Unsubscribe'] as string)![1]!;
    const forged = await request(t.app).post(pathOf(url).replace(/s=[^&]+/, 's=forged')).type('form').send({ 'List-Unsubscribe': 'One-Click' });
    expect(forged.status).toBe(404);
    const oneClick = await request(t.app).post(pathOf(url)).type('form').send({ 'List-Unsubscribe': 'One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await t.services.users.noticesOff(user.id)).toEqual(['auto-top-up', 'low-balance', 'receipts']);
    // Security notices go out whatever the preferences.
    await t.services.email.notices.notify(user.id, 'password-changed', { at: new Date().toISOString() });
    await t.services.email.idle();
    expect((await t.services.email.outboxJson('ada@example.com'))[0]).toMatchObject({ subject: 'Your callbridge password was changed' });
  });
});
