import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { statementsDuring } from '../helpers/statements.js';

/**
 * The "no credit" / low-balance banner above every page reads the wallet of the account the user pays from (the one
 * chosen on the dial page), resolved once per request and shared with the page's own routes.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const NO_CREDIT = 'You have no credit for calls.';
const MEMBERSHIP_READ = /from [`"]?account_members[`"]?/;
const ACCOUNTS_READ = /from [`"]?accounts[`"]? where [`"]?personal_user_id/;

async function payingFromTeam(teamCreditMicros: number, personalCreditMicros: number) {
  const { agent, csrf } = await signedUpAgent(t);
  const db = t.testDb.db;
  const userId = Number((await db('users').where({ email: 'ada@example.com' }).first<{ id: number }>('id'))!.id);
  const now = new Date().toISOString();
  const [row] = await db('accounts').insert({ kind: 'team', name: 'Acme', personal_user_id: null, created_at: now, updated_at: now }, ['id']);
  const team = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  await db('account_members').insert({ account_id: team, user_id: userId, role: 'owner', created_at: now, updated_at: now });
  const ledger = t.services.money.ledger;
  if (teamCreditMicros > 0) await ledger.credit({ accountId: team, userId }, { kind: 'grant', amountMicros: teamCreditMicros, description: 'Team credit' });
  if (personalCreditMicros > 0) await ledger.credit(userId, { kind: 'grant', amountMicros: personalCreditMicros, description: 'Personal credit' });
  expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(team) })).status).toBe(303);
  return { agent, csrf, team, userId };
}

describe('the low-balance banner follows the paying account', () => {
  it('paying from a funded team with an empty personal wallet: no "no credit" banner', async () => {
    const { agent } = await payingFromTeam(10_000_000, 0);
    const page = await agent.get('/account');
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('banner-low-balance');
  });

  it('paying from an empty team with a funded personal wallet: "no credit"; back on personal, none', async () => {
    const { agent, csrf, userId } = await payingFromTeam(0, 10_000_000);
    expect((await agent.get('/account')).text).toContain(NO_CREDIT);
    const personal = Number((await t.testDb.db('accounts').where({ personal_user_id: userId }).first<{ id: number }>('id'))!.id);
    expect((await agent.post('/dial/pay-from').type('form').send({ _csrf: csrf, account: String(personal) })).status).toBe(303);
    expect((await agent.get('/account')).text).not.toContain('banner-low-balance');
  });

  it('the wallet and account pages resolve the paying account once for the banner and the page, and read no account by user id', async () => {
    const { agent } = await payingFromTeam(1_000_000, 10_000_000);
    for (const [path, shown] of [['/wallet', 'Wallet: Acme'], ['/account', 'The token acts for <strong>Acme</strong>']] as const) {
      let text = '';
      const sqls = await statementsDuring(t.testDb.db, async () => (text = (await agent.get(path)).text), { prepared: true });
      expect(text).toContain(shown);
      expect(text).toContain('banner-low-balance');
      // The chosen account's membership, once; the account page's recording card reads the personal one on purpose.
      expect(sqls.filter((sql) => MEMBERSHIP_READ.test(sql) && !/personal_user_id/.test(sql)), `${path}\n${sqls.join('\n')}`).toHaveLength(1);
      expect(sqls.filter((sql) => ACCOUNTS_READ.test(sql)), `${path}\n${sqls.join('\n')}`).toEqual([]);
    }
  });
});
