import type { Knex } from 'knex';

/** Ends every session of one user (logs them out everywhere), inside the caller's transaction. */
export async function deleteSessionsOf(trx: Knex.Transaction | Knex, userId: number): Promise<number> {
  return trx('sessions').where({ user_id: userId }).delete();
}
