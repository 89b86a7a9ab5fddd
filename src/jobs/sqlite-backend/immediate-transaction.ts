import type { Knex } from 'knex';

/** The parts of a better-sqlite3 connection used here. */
interface RawSqliteConnection {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(...params: unknown[]): { changes: number } };
  transaction<T>(fn: () => T): { immediate(): T };
}

/** Runs knex-built statements synchronously on the raw connection, inside the caller's transaction. */
export interface SyncStatements {
  all<T>(query: Knex.QueryBuilder): T[];
  run(query: Knex.QueryBuilder): number;
}

/**
 * Read-then-write work (unique and 'single' upserts) in one BEGIN IMMEDIATE transaction: the write lock is taken
 * before the read, so another process sharing the file cannot slip a row in between (a deferred BEGIN would fail
 * with SQLITE_BUSY_SNAPSHOT instead). Within this process the single pooled connection already serialises callers.
 * The work is synchronous on purpose: nothing else can use the connection while the transaction is open.
 */
export async function immediateTransaction<T>(db: Knex, work: (sql: SyncStatements) => T): Promise<T> {
  const connection = (await db.client.acquireConnection()) as RawSqliteConnection;
  try {
    const statements: SyncStatements = {
      all: <R>(query: Knex.QueryBuilder) => {
        const { sql, bindings } = query.toSQL().toNative();
        return connection.prepare(sql).all(...bindings) as R[];
      },
      run: (query) => {
        const { sql, bindings } = query.toSQL().toNative();
        return connection.prepare(sql).run(...bindings).changes;
      },
    };
    return connection.transaction(() => work(statements)).immediate();
  } finally {
    await db.client.releaseConnection(connection);
  }
}
