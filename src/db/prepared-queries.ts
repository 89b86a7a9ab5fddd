import type { Knex } from 'knex';
import { RawSqlite } from './raw-sqlite.js';
import { isSqlite } from './database.js';
import { PREPARED_QUERY_EVENT } from './query-events.js';

/** Fixed hot-path SQL (with `?` placeholders), run as a prepared statement on a connection borrowed from knex's pool. */
export interface PreparedQueries {
  all<T>(sql: string, params: unknown[]): Promise<T[]>;
  /** The number of rows the statement changed. */
  run(sql: string, params: unknown[]): Promise<number>;
}

/** The part of a node-postgres client used here. */
interface PgConnection {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/**
 * Named prepared statements on PostgreSQL: the server parses and plans each once per connection, and knex's query
 * building is skipped: on the hot reads (a status poll's) that is most of the cost (`npm run bench` measures it).
 */
export class RawPostgres implements PreparedQueries {
  constructor(private readonly db: Knex) {}

  async all<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async run(sql: string, params: unknown[]): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  private async query(sql: string, params: unknown[]) {
    this.db.emit(PREPARED_QUERY_EVENT, sql);
    const connection = (await this.db.client.acquireConnection()) as PgConnection;
    try {
      try {
        return await connection.query({ ...namedStatement(sql), values: params });
      } catch (error) {
        if (!isStalePlan(error)) throw error;
        // The statement's result columns changed since it was prepared (`select *` after a newer instance's migration
        // added a column): PostgreSQL refuses the old plan on every connection holding it, so prepare it anew.
        return await connection.query({ ...renamedStatement(sql), values: params });
      }
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }
}

/**
 * One name per SQL text for the whole process: pooled connections are shared by every repository, and node-postgres
 * refuses a name reused for another text. Hot-path SQL is a fixed set of strings, so the map stays small.
 */
const statementNames = new Map<string, { name: string; text: string }>();
let namesGiven = 0;

function namedStatement(sql: string): { name: string; text: string } {
  let statement = statementNames.get(sql);
  if (!statement) {
    let n = 0;
    statement = { name: `callbridge_${++namesGiven}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    statementNames.set(sql, statement);
  }
  return statement;
}

/** A fresh name for `sql` from now on: connections that prepared the old name keep it, unused. */
function renamedStatement(sql: string): { name: string; text: string } {
  const statement = { ...namedStatement(sql), name: `callbridge_${++namesGiven}` };
  statementNames.set(sql, statement);
  return statement;
}

/** PostgreSQL's "cached plan must not change result type" (feature_not_supported). */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

export function preparedQueries(db: Knex): PreparedQueries {
  return isSqlite(db) ? new RawSqlite(db) : new RawPostgres(db);
}
