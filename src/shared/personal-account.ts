import type { Knex } from 'knex';

/**
 * Every user has a personal account (kind personal, the user its one owner): the account their own wallet belongs
 * to. Shared because both the accounts feature (which creates it with the user) and the ledger (which pays from it)
 * need it, and neither may import the other.
 */

/** Creates the user's personal account and owner membership in the caller's transaction; returns the account id. */
export async function insertPersonalAccount(trx: Knex | Knex.Transaction, user: { id: number; name: string }, now: string): Promise<number> {
  const [row] = await trx('accounts').insert({ kind: 'personal', name: user.name.slice(0, 80), personal_user_id: user.id, created_at: now, updated_at: now }, ['id']);
  const accountId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  await trx('account_members').insert({ account_id: accountId, user_id: user.id, role: 'owner', created_at: now, updated_at: now });
  return accountId;
}

/**
 * The user's personal account id. A user row written without one (a test fixture inserting users directly) gets
 * it here, once: the unique personal_user_id makes a concurrent second creation a no-op.
 */
export async function personalAccountId(db: Knex | Knex.Transaction, userId: number): Promise<number> {
  const found = await db('accounts').where({ personal_user_id: userId }).first<{ id: number } | undefined>('id');
  if (found) return Number(found.id);
  const user = await db('users').where({ id: userId }).first<{ name: string } | undefined>('name');
  if (!user) throw new Error(`no user ${userId}`);
  const now = new Date().toISOString();
  const created = await db('accounts')
    .insert({ kind: 'personal', name: user.name.slice(0, 80), personal_user_id: userId, created_at: now, updated_at: now }, ['id'])
    .onConflict('personal_user_id')
    .ignore();
  const again = await db('accounts').where({ personal_user_id: userId }).first<{ id: number }>('id');
  const accountId = Number(again.id);
  if (created.length > 0) {
    await db('account_members').insert({ account_id: accountId, user_id: userId, role: 'owner', created_at: now, updated_at: now }).onConflict(['account_id', 'user_id']).ignore();
  }
  return accountId;
}
