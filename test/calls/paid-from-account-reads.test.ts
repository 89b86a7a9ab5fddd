import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { payingAccounts } from '../../src/accounts/paying-account.js';
import { tokensRepository } from '../../src/api/tokens-repository.js';
import { statementsDuring } from '../helpers/statements.js';
import { DESTINATION, startCallHarness, type CallHarness } from './helpers/call-harness.js';

/**
 * A call knows the account it was paid from (calls.account_id): what happens around it reads that account, not the
 * user's personal account looked up by user id. At the click the personal choice is one membership read; after
 * settlement the low-balance notice looks at the wallet that paid (a team call tells nobody, docs/teams.md), and
 * the completed-call webhook goes to the tokens of the account that paid.
 */

let h: CallHarness;
beforeEach(async () => {
  // $1.50 of personal credit: below the $2.00 low-balance threshold.
  h = await startCallHarness({ speed: 200, creditMicros: 1_500_000 });
});
afterEach(async () => {
  await h.close();
});

const ACCOUNTS_READ = /from [`"]?accounts[`"]?/;

async function teamOf(userId: number, creditMicros: number): Promise<number> {
  const db = h.testDb.db;
  const now = new Date().toISOString();
  const [row] = await db('accounts').insert({ kind: 'team', name: 'Acme', personal_user_id: null, created_at: now, updated_at: now }, ['id']);
  const accountId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  await db('account_members').insert({ account_id: accountId, user_id: userId, role: 'owner', created_at: now, updated_at: now });
  await h.built.services.money.ledger.credit({ accountId, userId }, { kind: 'grant', amountMicros: creditMicros, description: 'Team credit' });
  return accountId;
}

async function settledCall(accountId?: number): Promise<string> {
  const started = await h.built.services.calls.start({ userId: h.userId, to: DESTINATION, ...(accountId === undefined ? {} : { accountId }) });
  if (!started.ok) throw new Error(`call refused: ${JSON.stringify(started)}`);
  await h.built.services.calls.hangup(h.userId, started.call.id);
  await h.waitForCall(started.call.id, (c) => c.settledAt !== null);
  await h.built.services.email.idle();
  return started.call.id;
}

const lowBalanceNotices = async () => (await h.built.services.email.outboxJson(h.email)).filter((e) => e.subject === 'Your callbridge balance is low');

/** Emails are sent by a job: waits until `count` low-balance notices have arrived. */
async function lowBalanceNoticesWhen(count: number, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await h.built.services.email.idle();
    const sent = await lowBalanceNotices();
    if (sent.length >= count || Date.now() > deadline) return sent;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the account a call was paid from', () => {
  it('the personal account, with no remembered choice: one membership read, no accounts read', async () => {
    const chosen = payingAccounts(h.testDb.db);
    let kind = '';
    const sqls = await statementsDuring(h.testDb.db, async () => (kind = (await chosen.chosen(h.userId, null)).kind));
    expect(kind).toBe('personal');
    expect(sqls, sqls.join('\n')).toHaveLength(1);
    expect(sqls[0]).toMatch(/from [`"]?account_members[`"]?/);
  });

  it('a user row written without a personal account still gets one at the click', async () => {
    const db = h.testDb.db;
    const now = new Date().toISOString();
    const [row] = await db('users').insert({ email: 'fixture@example.com', name: 'Fixture', password_hash: 'x', role: 'user', created_at: now, updated_at: now }, ['id']);
    const userId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
    const chosen = await payingAccounts(db).chosen(userId, null);
    expect(chosen).toMatchObject({ kind: 'personal', role: 'owner' });
    expect(await db('accounts').where({ personal_user_id: userId }).first('id')).toEqual({ id: chosen.accountId });
  });

  it('a team call on a low personal wallet sends no low-balance notice; a personal call does, to the caller', async () => {
    const team = await teamOf(h.userId, 1_500_000);
    await settledCall(team);
    expect(await lowBalanceNotices()).toHaveLength(0);
    expect(await h.testDb.db('users').where({ id: h.userId }).first('low_balance_noticed_at')).toEqual({ low_balance_noticed_at: null });

    await settledCall();
    const sent = await lowBalanceNoticesWhen(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain('$1.5000');
  });

  it('the low-balance check reads the paying wallet in one statement, and none of the personal account', async () => {
    const team = await teamOf(h.userId, 1_500_000);
    const personal = Number((await h.testDb.db('accounts').where({ personal_user_id: h.userId }).first<{ id: number }>('id'))!.id);
    const notices = h.built.services.email.notices;
    const teamReads = await statementsDuring(h.testDb.db, () => notices.balanceChanged(h.userId, team));
    expect(teamReads, teamReads.join('\n')).toHaveLength(1);
    expect(teamReads[0]).toMatch(/from [`"]?wallets[`"]? inner join [`"]?accounts[`"]?/);
    expect(teamReads.filter((sql) => ACCOUNTS_READ.test(sql))).toEqual([]);
    await notices.balanceChanged(h.userId, personal);
    expect(await lowBalanceNoticesWhen(1)).toHaveLength(1);
  });

  it('call.completed goes to the tokens of the paying account, a token from before teams hearing personal calls only, in one read', async () => {
    const db = h.testDb.db;
    const team = await teamOf(h.userId, 10_000_000);
    const personal = Number((await db('accounts').where({ personal_user_id: h.userId }).first<{ id: number }>('id'))!.id);
    const now = new Date().toISOString();
    const token = (name: string, accountId: number | null) => ({ user_id: h.userId, account_id: accountId, name, scope: 'calls', token_hash: `hash-${name}`, token_hint: name.slice(0, 4), webhook_url: `https://example.com/${name}`, webhook_secret: 's', created_at: now });
    const ids = new Map<string, number>();
    for (const [name, accountId] of [['legacy', null], ['personal', personal], ['team', team]] as const) {
      const [row] = await db('api_tokens').insert(token(name, accountId), ['id']);
      ids.set(name, Number(typeof row === 'object' ? (row as { id: number }).id : row));
    }
    const tokens = tokensRepository(db);
    const targets = async (accountId: number) => {
      let found: number[] = [];
      const sqls = await statementsDuring(db, async () => (found = (await tokens.webhookTargets(h.userId, now, accountId)).map((t) => t.tokenId).sort((a, b) => a - b)));
      expect(sqls, sqls.join('\n')).toHaveLength(1);
      return found;
    };
    expect(await targets(personal)).toEqual([ids.get('legacy'), ids.get('personal')].sort((a, b) => a! - b!));
    expect(await targets(team)).toEqual([ids.get('team')]);
  });

  it("the recording decision at dial time reads the call's account with the call: a team that always records records, in no read of accounts alone", async () => {
    const db = h.testDb.db;
    const team = await teamOf(h.userId, 10_000_000);
    await db('accounts').where({ id: team }).update({ recording_policy: 'always' });
    const teamCall = await settledCall(team);
    const personalCall = await settledCall();
    const recordings = h.built.services.recordings;
    let plan: unknown;
    const sqls = await statementsDuring(db, async () => (plan = await recordings.planFor({ id: teamCall, userId: h.userId })), { prepared: true });
    expect(plan).not.toBeNull();
    expect(sqls.filter((sql) => ACCOUNTS_READ.test(sql)), sqls.join('\n')).toEqual([]);
    expect(sqls.filter((sql) => /from [`"]?calls[`"]? as [`"]?c[`"]? inner join [`"]?accounts/.test(sql))).toHaveLength(1);
    // The caller never opted in: their personal call does not record.
    expect(await recordings.planFor({ id: personalCall, userId: h.userId })).toBeNull();
  });
});
