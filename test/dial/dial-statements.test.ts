import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRatedTestApp, verifiedCaller, type TestApp } from '../helpers/app.js';
import { insertTeam } from '../helpers/ledger.js';
import { statementsDuring, USERS_READ } from '../helpers/statements.js';

/**
 * The dial page resolves the account the user pays from once per request and hands it to the "Pay from" choice, the
 * price preview and the address book (favourites, the called number's name): each of those once read the users row
 * or the membership again.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createRatedTestApp();
});
afterEach(async () => {
  await t.close();
});

const MEMBERSHIP_READ = /from [`"]?account_members[`"]?/;

describe('the dial page reads the paying account once', () => {
  it('with a team chosen, a number typed and a favourite: one membership read for the choice, no users read', async () => {
    const { agent, csrf, userId } = await verifiedCaller(t);
    const acme = await insertTeam(t.testDb.db, 'Acme', [{ userId, role: 'owner' }]);
    expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(acme) })).status).toBe(303);
    const saved = await t.services.contacts.create({ userId, accountId: acme }, { name: 'Grace Hopper', company: '', notes: '', favourite: '1', numbers: ['+442071234567'], labels: ['mobile'] }, undefined);
    expect(saved.ok).toBe(true);

    let text = '';
    const sqls = await statementsDuring(t.testDb.db, async () => (text = (await agent.get('/?to=%2B442071234567')).text), { prepared: true });
    expect(text).toContain(`<option value="${acme}" selected>Acme</option>`);
    expect(text).toContain('Grace Hopper');
    expect(sqls.filter((sql) => USERS_READ.test(sql)), sqls.join('\n')).toEqual([]);
    const memberships = sqls.filter((sql) => MEMBERSHIP_READ.test(sql));
    expect(memberships.filter((sql) => /limit/.test(sql)), 'the chosen account, read once').toHaveLength(1);
    expect(memberships.filter((sql) => !/limit/.test(sql)), 'the accounts to choose from').toHaveLength(1);
    // The whole page: the session, the low-balance banner (the paying wallet: the choice it resolves is the page's),
    // the recording outlook, rates, live call, last country, the choice, the book (favourites, the called number's
    // name, their numbers), the accounts list and the paying wallet for the price.
    expect(sqls, sqls.join('\n')).toHaveLength(16);
  });
});
