import type { Knex } from 'knex';
import { expect } from 'vitest';
import { isSqlite, type Db } from '../../src/db/database.js';
import { insertPersonalAccount } from '../../src/shared/personal-account.js';
import type { TeamRole } from '../../src/teams/teams-repository.js';

/**
 * The wallet invariants, checked across every wallet: cached balance = sum of ledger entries, held = sum of
 * open holds, 0 <= held <= balance. Call it after every wallet test.
 */
export async function expectLedgerConsistent(db: Db): Promise<void> {
  // One snapshot for all three reads: a call settling between them (its phone gave up while the test ended) would
  // otherwise be seen half before and half after, and reported as drift that never existed.
  const { wallets, sums, held } = await db.transaction(async (trx) => {
    if (!isSqlite(trx)) await trx.raw('set transaction isolation level repeatable read');
    return readWalletTotals(trx);
  });
  // Wallets belong to accounts (a user's personal account, or a team's): every invariant is per account.
  const ledgerByUser = new Map(sums.map((s) => [Number(s.account_id), Number(s.total ?? 0)]));
  const heldByUser = new Map(held.map((h) => [Number(h.account_id), { micros: Number(h.total ?? 0), free: Number(h.free ?? 0) }]));
  for (const w of wallets) {
    const user = Number(w.account_id);
    const balance = Number(w.balance_micros);
    expect(balance, `user ${user}: cached balance equals the ledger sum`).toBe(ledgerByUser.get(user) ?? 0);
    expect(Number(w.held_micros), `user ${user}: held equals open holds`).toBe(heldByUser.get(user)?.micros ?? 0);
    expect(Number(w.free_seconds_held), `user ${user}: held free seconds equal open holds`).toBe(heldByUser.get(user)?.free ?? 0);
    expect(Number(w.held_micros)).toBeGreaterThanOrEqual(0);
    expect(Number(w.held_micros), `user ${user}: holds never exceed the balance`).toBeLessThanOrEqual(balance);
  }
  for (const user of ledgerByUser.keys()) expect(wallets.some((w) => Number(w.account_id) === user), `account ${user} has entries but no wallet`).toBe(true);
}

async function readWalletTotals(db: Db | Knex.Transaction) {
  const wallets: { account_id: number; balance_micros: number | string; held_micros: number | string; free_seconds_held: number }[] = await db('wallets').select();
  const sums: { account_id: number; total: number | string | null }[] = await db('ledger_entries').select('account_id').sum({ total: 'amount_micros' }).groupBy('account_id');
  const held: { account_id: number; total: number | string | null; free: number | string | null }[] = await db('credit_holds')
    .where({ status: 'open' })
    .select('account_id')
    .sum({ total: 'amount_micros', free: 'free_seconds' })
    .groupBy('account_id');
  return { wallets, sums, held };
}

let userCounter = 0;

/** A user row (with its personal account, as sign-up makes it) to hang a wallet on. */
export async function createUser(db: Db): Promise<number> {
  const now = new Date().toISOString();
  userCounter++;
  const [row] = await db('users')
    .insert({ email: `u${userCounter}-${Math.random().toString(36).slice(2)}@example.test`, name: 'Test', password_hash: 'x', role: 'user', created_at: now, updated_at: now })
    .returning('id');
  const id = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  await insertPersonalAccount(db, { id, name: 'Test' }, now);
  return id;
}

/** The user's personal account: the account their own wallet, holds and entries belong to. */
export async function accountOf(db: Db | Knex.Transaction, userId: number): Promise<number> {
  const row = await db('accounts').where({ personal_user_id: userId }).first<{ id: number }>('id');
  return Number(row.id);
}

/** A team account row with `members` in it, written directly (tests that are not about creating teams). */
export async function insertTeam(db: Db, name: string, members: { userId: number; role: TeamRole }[] = []): Promise<number> {
  const now = new Date().toISOString();
  const [row] = await db('accounts').insert({ kind: 'team', name, personal_user_id: null, created_at: now, updated_at: now }, ['id']);
  const id = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  for (const { userId, role } of members) await db('account_members').insert({ account_id: id, user_id: userId, role, created_at: now, updated_at: now });
  return id;
}
