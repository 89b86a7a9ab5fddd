import type { Knex } from 'knex';

/** Ends every session of one user (logs them out everywhere), inside the caller's transaction. */
export async function deleteSessionsOf(trx: Knex.Transaction | Knex, userId: number): Promise<number> {
  return trx('sessions').where({ user_id: userId }).delete();
}

export async function countSessionsOf(db: Knex, userId: number, nowMs: number): Promise<number> {
  const row = await db('sessions').where({ user_id: userId }).andWhere('expires_at', '>', nowMs).count<{ n: number | string }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
