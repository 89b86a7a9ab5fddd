import type { Knex } from 'knex';
import { PREPARED_QUERY_EVENT } from './query-events.js';

/** The parts of a better-sqlite3 connection and statement used here. */
export interface Statement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface RawConnection {
  readonly open: boolean;
  prepare(sql: string): Statement;
  transaction<T>(fn: () => T): { immediate(): T };
}

/** What knex's pool (tarn) tells about its connections. */
interface PoolCounts {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** Runs knex-built statements synchronously inside an open transaction. */
export interface SyncStatements {
  all<T>(query: Knex.QueryBuilder): T[];
  run(query: Knex.QueryBuilder): number;
}

/** Bounds the statements kept for knex-built SQL, should some caller build many shapes (e.g. varying IN lists). */
const maxCachedStatements = 200;

/**
 * Direct, prepared-statement access to the app's better-sqlite3 connection, borrowed from knex's pool.
 * Used for the job processor's hot path (lock, state saves), where knex's per-query overhead was most of the cost:
 * Agenda locks every due job one statement at a time before running any, so with 1,000 jobs due in the same second
 * each millisecond per lock becomes a second of lateness.
 */
export class RawSqlite {
  private readonly statements = new WeakMap<RawConnection, Map<string, Statement>>();
  /** The pool's connection as last borrowed: used directly while the pool leaves it unused (withConnection). */
  private lastConnection: RawConnection | undefined;

  constructor(private readonly db: Knex) {}

  all<T>(sql: string, params: unknown[]): Promise<T[]> {
    this.db.emit(PREPARED_QUERY_EVENT, sql);
    return this.withConnection((connection) => this.prepare(connection, sql).all(...params) as T[]);
  }

  run(sql: string, params: unknown[]): Promise<number> {
    this.db.emit(PREPARED_QUERY_EVENT, sql);
    return this.withConnection((connection) => this.prepare(connection, sql).run(...params).changes);
  }

  /** Several prepared statements on one borrowed connection, run synchronously: no other caller comes in between. */
  withStatements<T>(work: (statement: (sql: string) => Statement) => T): Promise<T> {
    return this.withConnection((connection) => work((sql) => this.announced(connection, sql)));
  }

  /** Like withStatements, inside one BEGIN IMMEDIATE transaction: all of it is written, or none. */
  immediateStatements<T>(work: (statement: (sql: string) => Statement) => T): Promise<T> {
    return this.withConnection((connection) => {
      this.db.emit(PREPARED_QUERY_EVENT, 'BEGIN IMMEDIATE');
      const result = connection.transaction(() => work((sql) => this.announced(connection, sql))).immediate();
      this.db.emit(PREPARED_QUERY_EVENT, 'COMMIT');
      return result;
    });
  }

  /** A statement handed to synchronous work, announced as `all` and `run` announce theirs (the metrics count them). */
  private announced(connection: RawConnection, sql: string): Statement {
    this.db.emit(PREPARED_QUERY_EVENT, sql);
    return this.prepare(connection, sql);
  }

  /**
   * Read-then-write work (unique and 'single' upserts) in one BEGIN IMMEDIATE transaction: the write lock is taken
   * before the read, so another process sharing the file cannot slip a row in between (a deferred BEGIN would fail
   * with SQLITE_BUSY_SNAPSHOT instead). In this process the single pooled connection already serialises callers.
   * The work is synchronous on purpose: nothing else can use the connection while the transaction is open.
   */
  immediateTransaction<T>(work: (sql: SyncStatements) => T): Promise<T> {
    return this.withConnection((connection) => {
      // Cached like the hot path: scheduling a hangup is an upsert, and preparing its two statements on every
      // call was a large part of scheduling many jobs. Knex renders values as placeholders, so the text varies only
      // with the query's shape (its unique keys and columns), a small set; rarer shapes beyond the cap are not kept.
      const compile = (query: Knex.QueryBuilder) => {
        const { sql, bindings } = query.toSQL().toNative();
        this.db.emit(PREPARED_QUERY_EVENT, sql);
        return { statement: this.prepare(connection, sql, { cap: maxCachedStatements }), bindings };
      };
      const statements: SyncStatements = {
        all: <R>(query: Knex.QueryBuilder) => {
          const { statement, bindings } = compile(query);
          return statement.all(...bindings) as R[];
        },
        run: (query) => {
          const { statement, bindings } = compile(query);
          return statement.run(...bindings).changes;
        },
      };
      this.db.emit(PREPARED_QUERY_EVENT, 'BEGIN IMMEDIATE');
      const result = connection.transaction(() => work(statements)).immediate();
      this.db.emit(PREPARED_QUERY_EVENT, 'COMMIT');
      return result;
    });
  }

  /**
   * Synchronous work on the connection, borrowed from the pool. When the pool's only connection sits unused with
   * nobody waiting for it, the work runs on it at once: borrowing it would hand over the same connection, and the
   * synchronous work gives it back before anything else can ask, so only the pool's bookkeeping (a timeout timer
   * and several promise turns per statement) is skipped. A connection held by someone, such as an open knex
   * transaction, is waited for as before.
   */
  private withConnection<T>(work: (connection: RawConnection) => T): Promise<T> {
    const idle = this.idleConnection();
    if (!idle) return this.borrowed(work);
    try {
      return Promise.resolve(work(idle));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private idleConnection(): RawConnection | undefined {
    const connection = this.lastConnection;
    const pool = (this.db.client as { pool?: PoolCounts }).pool;
    if (!connection?.open || !pool || pool.max !== 1) return undefined;
    const unused = pool.numUsed() === 0 && pool.numFree() === 1 && pool.numPendingAcquires() === 0 && pool.numPendingCreates() === 0;
    return unused ? connection : undefined;
  }

  private async borrowed<T>(work: (connection: RawConnection) => T): Promise<T> {
    const connection = (await this.db.client.acquireConnection()) as RawConnection;
    // The pool closes a connection it drops (open turns false), so a remembered one is never used after that.
    this.lastConnection = connection;
    try {
      return work(connection);
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }

  /** Hot-path SQL is a fixed set of strings, so the cache stays small; built SQL is kept up to a cap. */
  private prepare(connection: RawConnection, sql: string, { cap = Infinity } = {}): Statement {
    let cache = this.statements.get(connection);
    if (!cache) this.statements.set(connection, (cache = new Map()));
    let statement = cache.get(sql);
    if (!statement) {
      statement = connection.prepare(sql);
      if (cache.size < cap) cache.set(sql, statement);
    }
    return statement;
  }
}
