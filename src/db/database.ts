import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import { loadOnDemand } from '../shared/load-on-demand.js';
import type { Config } from '../config/config.js';
import { projectRoot } from '../paths.js';
import { MigrationDirectorySource } from './migration-source.js';

export type Db = Knex;
export type DatabaseConfig = Config['database'];

/** The part of a pino logger knex's own messages go to. */
interface DbLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * knex writes its warnings ("Connection Error: ..." when the database drops a pooled connection) to the console,
 * bypassing the JSON log; with a logger they are log lines like every other.
 */
function knexLog(logger: DbLogger): Knex.Config['log'] {
  return {
    warn: (message: unknown) => logger.warn({ knex: String(message) }, 'database warning'),
    error: (message: unknown) => logger.error({ knex: String(message) }, 'database error'),
    deprecate: (method: unknown, alternative: unknown) => logger.warn({ knex: `${String(method)} is deprecated; use ${String(alternative)}` }, 'database warning'),
    debug: () => undefined,
  };
}

/** Opens the database the config names; SQLite gets Uptime Kuma's pragmas (WAL, FKs, busy timeout, NORMAL sync). */
export function createDb(database: DatabaseConfig, options: { searchPath?: string; logger?: DbLogger } = {}): Db {
  const log = options.logger ? { log: knexLog(options.logger) } : {};
  if (database.client === 'postgres') {
    // Money is BIGINT micro-units; node-postgres returns int8 as a string unless told otherwise (all values < 2^53).
    const { types } = loadOnDemand('pg') as typeof pg;
    types.setTypeParser(types.builtins.INT8, (v) => Number.parseInt(v, 10));
    return knexFactory({
      client: 'pg',
      connection: database.url,
      pool: { min: 0, max: 10 },
      ...(options.searchPath ? { searchPath: [options.searchPath] } : {}),
      ...log,
    });
  }
  const file = database.file === ':memory:' ? ':memory:' : resolveFromRoot(database.file);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return beginImmediate(knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    ...log,
    // One connection: better-sqlite3 is synchronous, and a single writer avoids SQLITE_BUSY inside one process.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
        try {
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          done(null, conn);
        } catch (err) {
          done(err as Error, conn);
        }
      },
    },
  }));
}

interface KnexTransactionInternals {
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
}

/**
 * Every transaction on this database starts with BEGIN IMMEDIATE, taking the write lock before its first read.
 * With knex's plain (deferred) BEGIN, a transaction that reads and then writes fails at once with SQLITE_BUSY
 * (no busy timeout applies: its snapshot is stale) whenever another process wrote in between — the admin CLI or
 * a rate import running beside the server. Taken up front, the lock waits out the other writer instead.
 * In this process the single pooled connection already serialises transactions, so nothing is lost.
 */
function beginImmediate(db: Db): Db {
  const client = db.client as { transaction(...args: unknown[]): KnexTransactionInternals };
  const createTransaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const transaction = createTransaction(...args);
    // Called once the connection is acquired (always after this returns); nested transactions use savepoints.
    transaction.begin = (connection) => transaction.query(connection, 'BEGIN IMMEDIATE;');
    return transaction;
  };
  return db;
}

export function isSqlite(db: Db): boolean {
  return db.client.config.client === 'better-sqlite3';
}

function resolveFromRoot(file: string): string {
  return isAbsolute(file) ? file : join(projectRoot, file);
}

/** Next to the running code: migrations/*.ts under tsx and vitest, dist/migrations/*.js once compiled. */
export const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: new MigrationDirectorySource(migrationsDir) })) as [number, string[]];
  return applied;
}

export async function rollbackAll(db: Db): Promise<void> {
  await db.migrate.rollback({ migrationSource: new MigrationDirectorySource(migrationsDir) }, true);
}
