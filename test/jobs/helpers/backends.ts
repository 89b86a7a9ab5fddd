import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AgendaBackend, JobRepository } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { MongoBackend } from '@agendajs/mongo-backend';
import { createDb, migrateToLatest, type Db } from '../../../src/db/database.js';
import { SqliteBackend } from '../../../src/jobs/sqlite-backend/sqlite-backend.js';

/** One job store under test: a repository for direct calls, and fresh backends on the same store for Agenda instances. */
export interface StoreUnderTest {
  repository: JobRepository;
  /** Another backend on the same jobs: as a second process would see them (own connection). */
  createBackend(options?: { notifications?: boolean }): AgendaBackend;
  destroy(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  /** Why the store cannot be tested here, or undefined when it can. */
  unavailable: () => Promise<string | undefined>;
  create(): Promise<StoreUnderTest>;
}

export const postgresUrl = process.env.JOBS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const mongoUrl = process.env.JOBS_MONGODB_URL ?? 'mongodb://127.0.0.1:27017/callbridge_test';

export const sqliteStore: StoreFactory = {
  name: 'SQLite (our backend)',
  unavailable: async () => undefined,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'callbridge-jobs-'));
    const file = join(dir, 'jobs.sqlite');
    const connections: Db[] = [];
    const open = () => {
      const db = createDb({ client: 'sqlite', file });
      connections.push(db);
      return db;
    };
    const main = open();
    await migrateToLatest(main);
    // Backends in this process share one bus, as the app's instances would; other processes rely on polling.
    const bus = new EventEmitter();
    const primary = new SqliteBackend({ db: main, notificationBus: bus });
    return {
      repository: primary.repository,
      createBackend: (options = {}) => new SqliteBackend({ db: open(), notificationBus: bus, notifications: options.notifications ?? true }),
      async destroy() {
        for (const db of connections) await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresStore: StoreFactory = {
  name: 'PostgreSQL (@agendajs/postgres-backend)',
  unavailable: async () => ((await reachable(postgresUrl, 5432)) ? undefined : `no PostgreSQL reachable at ${postgresUrl}`),
  async create() {
    // A table and channel of its own per test, so test files can run side by side and leave nothing behind.
    const table = `agenda_jobs_t${randomBytes(5).toString('hex')}`;
    // Only the primary creates the schema: concurrent CREATE TRIGGER from several backends fails in PostgreSQL.
    const make = (notifications: boolean, ensureSchema: boolean) =>
      new PostgresBackend({ connectionString: postgresUrl, tableName: table, logTableName: `${table}_logs`, channelName: table, disableNotifications: !notifications, ensureSchema });
    const backends: PostgresBackend[] = [];
    const primary = make(true, true);
    await primary.connect();
    return {
      repository: primary.repository,
      createBackend: (options = {}) => {
        const backend = make(options.notifications ?? true, false);
        backends.push(backend);
        return backend;
      },
      async destroy() {
        await primary.disconnect();
        for (const backend of backends) await backend.disconnect().catch(() => undefined);
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
        await client.query(`DROP TABLE IF EXISTS "${table}_logs" CASCADE`);
        await client.query(`DROP FUNCTION IF EXISTS update_${table}_updated_at()`);
        await client.end();
      },
    };
  },
};

export const mongoStore: StoreFactory = {
  name: 'MongoDB (@agendajs/mongo-backend)',
  unavailable: async () =>
    (await reachable(mongoUrl, 27017)) ? undefined : `no MongoDB reachable at ${mongoUrl} (set JOBS_MONGODB_URL to run these tests)`,
  async create() {
    const collection = `agenda_jobs_t${randomBytes(5).toString('hex')}`;
    const primary = new MongoBackend({ address: mongoUrl, collection });
    await primary.connect();
    const backends: MongoBackend[] = [];
    return {
      repository: primary.repository,
      createBackend: () => {
        const backend = new MongoBackend({ address: mongoUrl, collection });
        backends.push(backend);
        return backend;
      },
      async destroy() {
        await primary.repository.purgeAllJobs();
        await primary.disconnect();
        for (const backend of backends) await backend.disconnect().catch(() => undefined);
      },
    };
  },
};

/** A TCP probe with a short timeout: enough to tell "server here" from "nothing listening". */
export function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port) || defaultPort });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
