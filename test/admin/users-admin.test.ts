import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';
import { adminAgent, auditCount } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function customer(email = 'ada@example.com') {
  const signed = await signedUpAgent(t, { email });
  const row = await t.testDb.db('users').where({ email }).first<{ id: number }>();
  return { ...signed, id: Number(row!.id) };
}

describe('users admin', () => {
  it('lists and searches users with their balances, a page at a time', async () => {
    const { agent } = await adminAgent(t);
    const ada = await customer();
    await t.services.money.wallet.credit(ada.id, { kind: 'grant', amountMicros: 7_500_000, description: 'Welcome' });
    const list = await agent.get('/admin/users');
    expect(list.text).toContain('ada@example.com');
    expect(list.text).toContain('$7.5000');
    const search = await agent.get('/admin/users?q=ADA%40');
    expect(search.text).toContain('ada@example.com');
    expect(search.text).not.toContain('admin@example.com</a>');
    const none = await agent.get('/admin/users?q=nobody');
    expect(none.text).toContain('No user matches');
    const page = await agent.get(`/admin/users/${ada.id}`);
    expect(page.text).toContain('Welcome');
    expect(page.text).toContain('Active sessions</dt><dd>1</dd>');
    expect((await agent.get('/admin/users/99999')).status).toBe(404);
    expect((await agent.get('/admin/users/abc')).status).toBe(404);
  });

  it('adjusts credit up and down as a ledger entry with one audit row, never below zero', async () => {
    const { agent, csrf } = await adminAgent(t);
    const ada = await customer();
    const submission = async () => /name="submission" value="([^"]+)"/.exec((await agent.get(`/admin/users/${ada.id}`)).text)![1]!;
    const add = await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '10.00', reason: 'Goodwill for a dropped call', submission: await submission() });
    expect(add.status).toBe(303);
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(10_000_000);
    const page = await agent.get(`/admin/users/${ada.id}`);
    expect(page.text).toContain('Adjustment: Goodwill for a dropped call');
    expect(page.text).toMatch(/user-balance">\$10\.00/);
    expect(await auditCount(t)).toBe(1);
    const tooMuch = await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '-10.01', reason: 'Oops', submission: await submission() });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('below zero');
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(10_000_000);
    const remove = await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '-10', reason: 'Refunded by card', submission: await submission() });
    expect(remove.status).toBe(303);
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(0);
    const ledger = await t.services.money.wallet.ledger(ada.id);
    expect(ledger.entries.map((e) => [e.kind, e.amountMicros, e.balanceAfterMicros])).toEqual([
      ['adjustment', -10_000_000, 0],
      ['adjustment', 10_000_000, 10_000_000],
    ]);
    expect(await auditCount(t)).toBe(2);
    for (const [amount, reason, message] of [
      ['1e3', 'x y z', 'Enter an amount'],
      ['0x10', 'x y z', 'Enter an amount'],
      ['0.001', 'x y z', 'whole cents'],
      ['0', 'x y z', 'Enter an amount'],
      ['5', '', 'Say why'],
    ] as const) {
      const bad = await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount, reason, submission: await submission() });
      expect(bad.status, amount).toBe(422);
      expect(bad.text).toContain(message);
    }
    expect(await auditCount(t)).toBe(2);
  });

  it('a credit adjustment form sent twice (a double click, a resent POST) credits once, with one audit row', async () => {
    const { agent, csrf } = await adminAgent(t);
    const ada = await customer();
    const form = await agent.get(`/admin/users/${ada.id}`);
    const submission = /name="submission" value="([^"]+)"/.exec(form.text)![1]!;
    const send = () => agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '7.50', reason: 'Goodwill', submission });
    const [first, second] = await Promise.all([send(), send()]);
    expect([first.status, second.status]).toEqual([303, 303]);
    const third = await send();
    expect(third.status).toBe(303);
    expect((await agent.get(`/admin/users/${ada.id}`)).text).toContain('already made');
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(7_500_000);
    expect((await t.services.money.wallet.ledger(ada.id)).total).toBe(1);
    expect(await auditCount(t)).toBe(1);
    // A new form (a new submission id) is a new adjustment.
    const fresh = /name="submission" value="([^"]+)"/.exec((await agent.get(`/admin/users/${ada.id}`)).text)![1]!;
    expect(fresh).not.toBe(submission);
    await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '7.50', reason: 'Goodwill', submission: fresh });
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(15_000_000);
    // A form without its submission id (not one we rendered) is refused: nothing is applied.
    const stale = await agent.post(`/admin/users/${ada.id}/credit`).type('form').send({ _csrf: csrf, amount: '7.50', reason: 'Goodwill' });
    expect(stale.status).toBe(422);
    expect(stale.text).toContain('out of date');
    expect((await t.services.money.wallet.peek(ada.id)).balanceMicros).toBe(15_000_000);
  });

  it('disables an account: logged out everywhere, live call ended, cannot log in; re-enabling restores log-in', async () => {
    const ended: number[] = [];
    await t.close();
    t = await createTestApp({}, {}, { endLiveCall: async (userId) => void ended.push(userId), hasher: { hash: async (p: string) => `plain:${p}`, verify: async (h: string, p: string) => h === `plain:${p}` } });
    const { agent, csrf } = await adminAgent(t);
    const ada = await customer();
    const second = await signInAgain('ada@example.com');
    expect((await second.get('/wallet')).status).toBe(200);
    const res = await agent.post(`/admin/users/${ada.id}/disabled`).type('form').send({ _csrf: csrf, disabled: '1' });
    expect(res.status).toBe(303);
    expect(ended).toEqual([ada.id]);
    expect((await ada.agent.get('/wallet')).status).toBe(303);
    expect((await second.get('/wallet')).status).toBe(303);
    expect(await t.testDb.db('sessions').where('data', 'like', `%"userId":${ada.id}%`).count({ n: '*' }).first()).toEqual({ n: 0 });
    const login = await loginAttempt('ada@example.com');
    expect(login.status).toBe(403);
    expect(login.text).toContain('This account has been disabled');
    expect(await auditCount(t)).toBe(1);
    await agent.post(`/admin/users/${ada.id}/disabled`).type('form').send({ _csrf: csrf, disabled: '0' });
    expect((await loginAttempt('ada@example.com')).status).toBe(303);
    expect(await auditCount(t)).toBe(2);
  });

  it('stores validated limits on the user', async () => {
    const { agent, csrf } = await adminAgent(t);
    const ada = await customer();
    const bad = await agent.post(`/admin/users/${ada.id}/limits`).type('form').send({ _csrf: csrf, daily_spend_cap: '1e3', concurrent_call_limit: '0x10' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a daily cap');
    expect(bad.text).toContain('Enter a whole number of calls');
    expect(await auditCount(t)).toBe(0);
    await agent.post(`/admin/users/${ada.id}/limits`).type('form').send({ _csrf: csrf, daily_spend_cap: '20.50', concurrent_call_limit: '2' });
    const user = await t.services.users.findById(ada.id);
    expect(user).toMatchObject({ dailySpendCapMicros: 20_500_000, concurrentCallLimit: 2 });
    await agent.post(`/admin/users/${ada.id}/limits`).type('form').send({ _csrf: csrf, daily_spend_cap: '', concurrent_call_limit: '' });
    expect(await t.services.users.findById(ada.id)).toMatchObject({ dailySpendCapMicros: null, concurrentCallLimit: null });
    expect(await auditCount(t)).toBe(2);
  });

  it('grants and removes admin rights, never the last admin, and an admin cannot disable themselves', async () => {
    const { agent, csrf, id: adminId } = await adminAgent(t);
    const ada = await customer();
    const self = await agent.post(`/admin/users/${adminId}/admin`).type('form').send({ _csrf: csrf, admin: '0' });
    expect(self.status).toBe(303);
    expect((await agent.get(`/admin/users/${adminId}`)).text).toContain('This is the last admin');
    expect((await t.services.users.findById(adminId))!.role).toBe('admin');
    await agent.post(`/admin/users/${adminId}/disabled`).type('form').send({ _csrf: csrf, disabled: '1' });
    expect((await agent.get(`/admin/users/${adminId}`)).text).toContain('You cannot disable your own account');
    await agent.post(`/admin/users/${ada.id}/admin`).type('form').send({ _csrf: csrf, admin: '1' });
    expect((await t.services.users.findById(ada.id))!.role).toBe('admin');
    await agent.post(`/admin/users/${adminId}/admin`).type('form').send({ _csrf: csrf, admin: '0' });
    expect((await t.services.users.findById(adminId))!.role).toBe('user');
    expect(await auditCount(t)).toBe(2);
    expect((await agent.get('/admin/users')).status).toBe(403);
  });
});

async function loginAttempt(email: string) {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  return agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email, password: 'correct horse battery' });
}

async function signInAgain(email: string) {
  const agent = request.agent(t.app);
  const form = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(form.text), email, password: 'correct horse battery' });
  if (res.status !== 303) throw new Error(`log-in failed: ${res.status}`);
  return agent;
}
