import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { adminAgent } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('the admin user page lists the user\'s accounts', () => {
  it('personal and each team with the role and the account\'s own balance, and which one the user pays from', async () => {
    const { agent } = await adminAgent(t);
    await signedUpAgent(t, { email: 'ada@example.com' });
    const ada = Number((await t.testDb.db('users').where({ email: 'ada@example.com' }).first('id')).id);
    await signedUpAgent(t, { email: 'bob@example.com' });
    const bob = Number((await t.testDb.db('users').where({ email: 'bob@example.com' }).first('id')).id);
    const acme = await t.services.teams.create(bob, 'Acme');
    const zeta = await t.services.teams.create(ada, 'Zeta');
    if (!acme.ok || !zeta.ok) throw new Error('teams not created');
    const now = new Date().toISOString();
    await t.testDb.db('account_members').insert({ account_id: acme.value, user_id: ada, role: 'admin', created_at: now, updated_at: now });
    await t.services.money.wallet.credit(ada, { kind: 'grant', amountMicros: 1_500_000, description: 'Welcome' });
    await t.services.money.wallet.credit({ accountId: acme.value, userId: bob }, { kind: 'grant', amountMicros: 42_000_000, description: 'Acme credit' });
    expect(await t.services.payingAccounts.choose(ada, acme.value)).toBe(true);

    const page = (await agent.get(`/admin/users/${ada}`).expect(200)).text;
    const items = [...page.matchAll(/<ul class="user-accounts">([\s\S]*?)<\/ul>/g)][0]![1]!.split('</li>');
    expect(items[0]).toMatch(/^<li>Personal · Owner · balance <span class="account-balance">\$1\.5000<\/span>/);
    expect(items[0]).not.toContain('pays from this one');
    expect(items[1]).toContain(`<a href="/admin/teams/${acme.value}">Acme</a> · Admin · 2 members · balance <span class="account-balance">$42.0000</span>`);
    expect(items[1]).toContain('pays from this one');
    expect(items[2]).toContain(`<a href="/admin/teams/${zeta.value}">Zeta</a> · Owner · 1 member · balance <span class="account-balance">$0.0000</span>`);
    // A user in no team: the personal account alone, paid from.
    const { agent: _other, id: loner } = await adminAgent(t, 'root@example.com');
    const lonely = (await agent.get(`/admin/users/${loner}`).expect(200)).text;
    expect(lonely).toMatch(/<ul class="user-accounts"><li>Personal · Owner · balance <span class="account-balance">\$0\.0000<\/span> \(available \$0\.0000\) · <strong>pays from this one<\/strong><\/li><\/ul>/);
    expect(lonely).toContain('In no team.');
  });
});
