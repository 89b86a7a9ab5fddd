import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { AgendaBackend } from 'agenda';
import type { PostgresBackend, PostgresBackendConfig } from '@agendajs/postgres-backend';
import type pg from 'pg';
import type { MongoBackend } from '@agendajs/mongo-backend';
import type { Config } from '../config/config.js';
import { JOB_STORE_QUERY_EVENT } from '../db/query-events.js';
import { SqliteBackend } from './sqlite-backend/sqlite-backend.js';
import { loadOnDemand } from '../shared/load-on-demand.js';


export type JobStore = 'sqlite' | 'postgres' | 'mongodb';

/**
 * JOBS_STORE=auto follows the data: MongoDB when JOBS_MONGODB_URL is set, else the app's own database
 * (PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file). An explicit store that cannot work
 * with the rest of the config is refused at start-up rather than failing on the first job.
 */
export function selectJobStore(config: Pick<Config, 'jobs' | 'database'>): JobStore {
  const { store, mongoUrl } = config.jobs;
  const database = config.database.client;
  if (store === 'auto') return mongoUrl ? 'mongodb' : database;
  if (store === 'mongodb' && !mongoUrl) throw new Error('JOBS_STORE=mongodb needs JOBS_MONGODB_URL');
  if (store === 'postgres' && database !== 'postgres') throw new Error('JOBS_STORE=postgres needs DATABASE_URL (the jobs live in the app database)');
  if (store === 'sqlite' && database !== 'sqlite') throw new Error('JOBS_STORE=sqlite needs the embedded SQLite database (unset DATABASE_URL)');
  return store;
}

export interface JobBackendOptions {
  config: Pick<Config, 'jobs' | 'database'>;
  /** The app's knex instance; used directly by the SQLite store. */
  db: Knex;
  /** Table (PostgreSQL) or collection (MongoDB) name; tests use a throw-away one. */
  collection?: string;
  /** SQLite: share between schedulers in one process so they wake each other. */
  notificationBus?: EventEmitter;
  /**
   * PostgreSQL: told when a connection of the job store's own is lost (a database restart, say). Without a listener
   * pg makes that an uncaught exception, which would stop the whole process.
   */
  onConnectionError?: (error: Error) => void;
  /** SQLite: whether Agenda deletes a job of this name once a run succeeds (see sqlite-backend/finished-run.ts). */
  removesOnSuccess?: (name: string) => boolean;
}

export function createJobBackend(options: JobBackendOptions): AgendaBackend {
  const { config } = options;
  const store = selectJobStore(config);
  const collection = options.collection ?? 'agenda_jobs';
  if (store === 'mongodb') {
    const { MongoBackend: Mongo } = loadOnDemand('@agendajs/mongo-backend') as { MongoBackend: typeof MongoBackend };
    return new Mongo({ address: config.jobs.mongoUrl!, collection });
  }
  if (store === 'postgres' && config.database.client === 'postgres') {
    // Its own small pool from the same URL: the backend needs pg's Pool (LISTEN/NOTIFY), not knex.
    return serialisedSchemaPostgresBackend({
      connectionString: config.database.url,
      tableName: collection,
      channelName: collection,
      onConnectionError: options.onConnectionError ?? (() => undefined),
      onStatement: (sql) => options.db.emit(JOB_STORE_QUERY_EVENT, sql),
    });
  }
  return new SqliteBackend({
    db: options.db,
    ...(options.notificationBus ? { notificationBus: options.notificationBus } : {}),
    ...(options.removesOnSuccess ? { removesOnSuccess: options.removesOnSuccess } : {}),
  });
}

/** Any fixed 64-bit number, the same in every instance: the key of the advisory lock below. */
const JOB_SCHEMA_LOCK = 7_305_231_045_112_001;

/**
 * Agenda's Postgres backend, except that instances create its schema one at a time. The backend checks and
 * creates its table, indexes and trigger on every connect; two instances doing that at the same moment (a
 * deployment starting three at once) make PostgreSQL fail one with "tuple concurrently updated". A session-level
 * advisory lock, held on a connection of its own for the length of the connect, queues the others behind it.
 */
type SerialisedSchemaConfig = PostgresBackendConfig & {
  connectionString: string;
  onConnectionError: (error: Error) => void;
  /** Told the SQL of every statement the backend sends (its pool is its own, so knex's events never see them). */
  onStatement?: (sql: string) => void;
};
let SerialisedSchemaBackend: (new (config: SerialisedSchemaConfig) => PostgresBackend) | undefined;

export function serialisedSchemaPostgresBackend(config: SerialisedSchemaConfig): PostgresBackend {
  SerialisedSchemaBackend ??= serialisingSchema((loadOnDemand('@agendajs/postgres-backend') as { PostgresBackend: typeof PostgresBackend }).PostgresBackend);
  return new SerialisedSchemaBackend(config);
}

function serialisingSchema(Base: typeof PostgresBackend) {
  const { Client } = loadOnDemand('pg') as typeof pg;
  return class SerialisedSchemaPostgresBackend extends Base {
    private readonly lockUrl: string;
    private readonly onConnectionError: (error: Error) => void;
    private readonly onStatement: ((sql: string) => void) | undefined;
    private readonly watchedPools = new WeakSet<pg.Pool>();

    constructor(config: SerialisedSchemaConfig) {
      super(config);
      this.lockUrl = config.connectionString;
      this.onConnectionError = config.onConnectionError;
      this.onStatement = config.onStatement;
    }

    override async connect(): Promise<void> {
      const lock = new Client({ connectionString: this.lockUrl });
      // A lost lock connection fails the query waiting on it (and so this connect); the event must not crash the process.
      lock.on('error', this.onConnectionError);
      await lock.connect();
      try {
        this.watchPool(); // the pool the backend made at construction...
        await lock.query('select pg_advisory_lock($1)', [JOB_SCHEMA_LOCK]);
        await super.connect();
        this.watchPool(); // ...or the new one its connect makes after a disconnect
      } finally {
        // Closing the session releases its advisory lock, even when the connect failed.
        await lock.end();
      }
    }

    /**
     * pg's Pool emits 'error' when an idle connection dies, and it drops that connection and opens a new one on demand.
     * The backend adds no listener of its own.
     */
    private watchPool(): void {
      const pool = (this.repository as unknown as { getPool(): pg.Pool | undefined }).getPool();
      if (!pool || this.watchedPools.has(pool)) return;
      this.watchedPools.add(pool);
      pool.on('error', this.onConnectionError);
      const onStatement = this.onStatement;
      if (onStatement) pool.on('connect', (client) => reportStatements(client, onStatement));
    }
  };
}

/**
 * pg has no per-query event, and the backend gives no hook: each new connection's query method is wrapped once so the
 * backend's statements (its polls and locks, which run on their own pool) are counted with the app's.
 */
function reportStatements(client: pg.PoolClient, onStatement: (sql: string) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const counted = (...args: unknown[]) => {
    const first = args[0];
    const sql = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    onStatement(sql);
    return query(...args);
  };
  client.query = counted as typeof client.query;
}
