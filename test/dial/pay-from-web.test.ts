import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRatedTestApp, verifiedCaller, type TestApp } from '../helpers/app.js';
import { insertTeam } from '../helpers/ledger.js';

/** "Pay from" on the dial page (docs/teams.md, Accounts that pay): shown with two accounts, remembered, 404 for others. */
let t: TestApp;
beforeEach(async () => {
  t = await createRatedTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('Pay from', () => {
  it('appears only with more than one account, is remembered, prices and shows the chosen wallet; another team is 404', async () => {
    const { agent, csrf, userId } = await verifiedCaller(t);
    expect((await agent.get('/')).text).not.toContain('Pay from');

    const acme = await insertTeam(t.testDb.db, 'Acme', [{ userId, role: 'member' }]);
    const other = await insertTeam(t.testDb.db, 'Other');
    await t.services.money.ledger.credit({ accountId: acme, userId }, { kind: 'grant', amountMicros: 7_000_000, description: 'Team credit' });
    const page = await agent.get('/');
    expect(page.text).toContain('<label for="pay-from">Pay from</label>');
    expect(page.text).toMatch(/<option value="\d+" selected>Personal<\/option>/);
    expect(page.text).toContain(`<option value="${acme}">Acme</option>`);

    expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(other) })).status).toBe(404);
    expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: 'x' })).status).toBe(404);
    const chosen = await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(acme) });
    expect(chosen.status).toBe(303);
    expect((await agent.get('/')).text).toContain(`<option value="${acme}" selected>Acme</option>`);
    expect((await t.services.payingAccounts.chosen(userId)).accountId).toBe(acme);

    // The team's wallet is the one shown; a member sees its balance, not its ledger.
    const wallet = await agent.get('/wallet');
    expect(wallet.text).toContain('Wallet: Acme');
    expect(wallet.text).toContain('$7.00');
    expect(wallet.text).toMatch(/Only the team(&#39;|'|&#x27;)s owners and admins see its ledger./);

    // A voucher redeemed while paying from the team tops up the team.
    const batch = await t.services.money.vouchers.createBatch({ label: 'Team', valueMicros: 2_000_000, quantity: 1, expiresAt: new Date(Date.now() + 86_400_000) });
    expect((await agent.post('/wallet/redeem').type('form').send({ _csrf: csrf, code: batch.codes[0] })).status).toBe(303);
    expect((await t.services.money.ledger.peek({ accountId: acme })).balanceMicros).toBe(9_000_000);
    expect((await t.services.money.ledger.peek(userId)).balanceMicros).toBe(0);

    // Leaving the team falls back to the personal account.
    await t.testDb.db('account_members').where({ account_id: acme, user_id: userId }).delete();
    expect((await t.services.payingAccounts.chosen(userId)).kind).toBe('personal');
  });
});
