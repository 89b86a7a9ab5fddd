import type { Db } from '../../src/db/database.js';

/** The SQL of every statement knex sends while `run` runs, in order (prepared hot-path statements are not included). */
export async function statementsDuring(db: Db, run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (query: { sql: string }) => seen.push(query.sql);
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.off('query', listener);
  }
  return seen;
}
