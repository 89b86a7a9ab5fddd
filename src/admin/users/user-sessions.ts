import type { Knex } from 'knex';

/**
 * Ends every session of one user (logs them out everywhere). Sessions store their data as JSON; once the sessions
 * table has a user_id column (the account branch adds one) that indexed column is used as well, so this works
 * before and after that migration.
 */
export async function deleteSessionsOf(trx: Knex.Transaction | Knex, userId: number): Promise<number> {
  const id = Math.trunc(userId);
  const byColumn = await trx.schema.hasColumn('sessions', 'user_id');
  return trx('sessions')
    .where((w) => {
      if (byColumn) w.orWhere('user_id', id);
      // express-session serialises with JSON.stringify: "userId":12 followed by , or }.
      w.orWhere('data', 'like', `%"userId":${id},%`).orWhere('data', 'like', `%"userId":${id}}%`);
    })
    .delete();
}

export async function countSessionsOf(db: Knex, userId: number, nowMs: number): Promise<number> {
  const id = Math.trunc(userId);
  const byColumn = await db.schema.hasColumn('sessions', 'user_id');
  const row = await db('sessions')
    .where('expires_at', '>', nowMs)
    .andWhere((w) => {
      if (byColumn) w.orWhere('user_id', id);
      w.orWhere('data', 'like', `%"userId":${id},%`).orWhere('data', 'like', `%"userId":${id}}%`);
    })
    .count<{ n: number | string }[]>({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}
