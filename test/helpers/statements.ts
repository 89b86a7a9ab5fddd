import type { Db } from '../../src/db/database.js';
import { PREPARED_QUERY_EVENT } from '../../src/db/query-events.js';

/** The session store's read (src/http/session-store.ts), quoted by knex or written as fixed SQL. */
export const SESSION_READ = /from "?sessions"? left join "?users"?/;

/** A read of the users table by a condition (not the session store's join). */
export const USERS_READ = /from [`"]?users[`"]? where/;

/**
 * The SQL of every statement knex sends while `run` runs, in order; with `prepared`, the hot paths' prepared
 * statements too (src/db/prepared-queries.ts), which knex never sees.
 */
export async function statementsDuring(db: Db, run: () => Promise<unknown>, options: { prepared?: boolean } = {}): Promise<string[]> {
  const seen: string[] = [];
  const onQuery = (query: { sql: string }) => seen.push(query.sql);
  const onPrepared = (sql: string) => seen.push(sql);
  db.on('query', onQuery);
  if (options.prepared) db.on(PREPARED_QUERY_EVENT, onPrepared);
  try {
    await run();
  } finally {
    db.off('query', onQuery);
    db.off(PREPARED_QUERY_EVENT, onPrepared);
  }
  return seen;
}
