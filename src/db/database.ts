import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { projectRoot } from '../paths.js';
import { MigrationDirectorySource } from './migration-source.js';

export type Db = Knex;
export type DatabaseConfig = Config['database'];

/** Opens the database the config names; SQLite gets Uptime Kuma's pragmas (WAL, FKs, busy timeout, NORMAL sync). */
export function createDb(database: DatabaseConfig, options: { searchPath?: string } = {}): Db {
  if (database.client === 'postgres') {
    // Money is BIGINT micro-units; node-postgres returns int8 as a string unless told otherwise (all values < 2^53).
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
    return knexFactory({
      client: 'pg',
      connection: database.url,
      pool: { min: 0, max: 10 },
      ...(options.searchPath ? { searchPath: [options.searchPath] } : {}),
    });
  }
  const file = database.file === ':memory:' ? ':memory:' : resolveFromRoot(database.file);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
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
  });
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
