import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isSqlite, type Db } from '../db/database.js';
import type { CallsRepository } from './calls-repository.js';
import { PgChangeListener } from './call-changes-pg.js';

/** Why a wait ended: the call changed, the time limit passed, or this instance is shutting down. */
export type WaitOutcome = 'changed' | 'timeout' | 'closed';

export interface CallWaiter {
  /** Resolves once this instance is sure to hear of any change from now on (on PostgreSQL: LISTEN is in place). */
  readonly ready: Promise<void>;
  readonly outcome: Promise<WaitOutcome>;
  /** Stops waiting (the client went away); the outcome then never resolves. */
  cancel(): void;
}

/**
 * Who is waiting for which call on this instance, and the news that a call changed. The instance that records a
 * change wakes its own waiters at once; other instances hear of it through `remote` (PostgreSQL LISTEN/NOTIFY on one
 * connection per instance). Waiters hold no database connection and cause no reads: the status poll reads the call
 * once before waiting and once after a wake.
 */
export class CallChangeFeed {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private closed = false;

  constructor(private readonly remote?: RemoteChanges) {
    remote?.onChange((callId) => this.wake(callId));
    // After a lost connection some news may have been missed: everyone reads again.
    remote?.onResync(() => this.wakeAll('changed'));
  }

  /** How many requests wait on this instance (the bench and the metrics read it). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Waits until `callId` changes, at most `limitMs`. Subscribe before reading the call, so no change slips between. */
  wait(callId: string, limitMs: number): CallWaiter {
    if (this.closed) return { ready: LISTENING, outcome: Promise.resolve('closed'), cancel: () => undefined };
    const waiter = new Waiter(callId, this, this.remote ? this.remote.listening() : LISTENING);
    let set = this.waiters.get(callId);
    if (!set) this.waiters.set(callId, (set = new Set()));
    set.add(waiter);
    waiter.startTimer(limitMs);
    return waiter;
  }

  /** A call's state was written: wake this instance's waiters, and tell the others. */
  changed(callId: string): void {
    this.wake(callId);
    this.remote?.publish(callId);
  }

  /** Shutdown: every waiter is answered now (the poll sends 204 and the page asks the next instance). */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll('closed');
    await this.remote?.close();
  }

  private wake(callId: string, outcome: WaitOutcome = 'changed'): void {
    const set = this.waiters.get(callId);
    if (!set) return;
    for (const waiter of [...set]) waiter.settle(outcome);
  }

  private wakeAll(outcome: WaitOutcome): void {
    for (const callId of [...this.waiters.keys()]) this.wake(callId, outcome);
  }

  /** @internal A waiter that settled leaves its set. */
  remove(waiter: Waiter): void {
    const set = this.waiters.get(waiter.callId);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.waiters.delete(waiter.callId);
  }
}

const LISTENING: Promise<void> = Promise.resolve();

/**
 * One waiting request. It is its own CallWaiter and its timer calls a shared function with it as the argument: ten
 * thousand open call pages wait at once, so each waiter is one object, a promise and a timer, with no closures.
 */
class Waiter implements CallWaiter {
  readonly outcome: Promise<WaitOutcome>;
  private resolve!: (outcome: WaitOutcome) => void;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    readonly callId: string,
    private readonly feed: CallChangeFeed,
    readonly ready: Promise<void>,
  ) {
    this.outcome = new Promise((resolve) => (this.resolve = resolve));
  }

  startTimer(ms: number): void {
    this.timer = setTimeout(timeOut, ms, this);
  }

  cancel(): void {
    this.settle(undefined);
  }

  settle(outcome: WaitOutcome | undefined): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.feed.remove(this);
    if (outcome) this.resolve(outcome);
  }
}

function timeOut(waiter: Waiter): void {
  waiter.settle('timeout');
}

/** How other instances' changes reach this one (PostgreSQL: src/calls/call-changes-pg.ts). */
export interface RemoteChanges {
  onChange(listener: (callId: string) => void): void;
  onResync(listener: () => void): void;
  /** Resolves once news of any later change will arrive (connects on first use). */
  listening(): Promise<void>;
  publish(callId: string): void;
  close(): Promise<void>;
}

/** The feed for a database: in-process only on SQLite (one instance per file), LISTEN/NOTIFY on PostgreSQL. */
export function callChangeFeed(db: Db, logger: Logger): CallChangeFeed {
  if (isSqlite(db)) return new CallChangeFeed();
  const instance = randomBytes(6).toString('hex');
  return new CallChangeFeed(new PgChangeListener(db, instance, logger));
}

/**
 * The hook: the calls repository as it is, except that every committed change of a call row is announced to the
 * feed. Webhooks, hangups and reconciliation write through changeCall and update; the placement inserts its call in
 * the ledger's hold transaction and the settlement records its cost in the ledger's settle transaction, so those two
 * are announced once their transaction has committed (a waiter woken earlier would read the call as it was, and
 * sleep through the change), and not at all when it rolls back.
 */
export function announcingChanges(repo: CallsRepository, feed: CallChangeFeed): CallsRepository {
  return {
    ...repo,
    async insertLive(call) {
      const inserted = await repo.insertLive(call);
      if (inserted) feed.changed(call.id);
      return inserted;
    },
    async insertPlaced(trx, call, noted) {
      await repo.insertPlaced(trx, call, noted);
      afterCommit(trx, () => feed.changed(call.id));
    },
    async changeCall(id, decide) {
      const outcome = await repo.changeCall(id, decide);
      if (outcome?.change.kind === 'change') feed.changed(id);
      return outcome;
    },
    async recordSettlement(id, settlement, trx) {
      const changed = await repo.recordSettlement(id, settlement, trx);
      if (changed > 0) afterCommit(trx, () => feed.changed(id));
      return changed;
    },
    async update(id, patch) {
      await repo.update(id, patch);
      feed.changed(id);
    },
  };
}

/** Runs `announce` once `trx` has committed (never if it rolls back); at once for a write outside a transaction. */
function afterCommit(trx: Db | Knex.Transaction | undefined, announce: () => void): void {
  const transaction = trx as Partial<Knex.Transaction> | undefined;
  if (transaction?.isTransaction && transaction.executionPromise) transaction.executionPromise.then(announce, () => undefined);
  else announce();
}
