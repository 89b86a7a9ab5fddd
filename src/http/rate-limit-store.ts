import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';

/**
 * express-rate-limit's counters in the rate_limits table: with several instances, an attacker cannot multiply
 * their attempts by the number of instances. One upsert per counted request (only POSTs to guarded forms).
 */
export class DatabaseRateLimitStore implements Store {
  /** Counters are not local: every instance sees the same keys. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.clock.now().getTime();
    const resetAt = now + this.windowMs;
    // The same statement on SQLite and PostgreSQL: a counter past its window starts over at 1.
    const result = await this.db.raw(
      `INSERT INTO rate_limits (key, hits, reset_at_ms) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limits.reset_at_ms <= ? THEN 1 ELSE rate_limits.hits + 1 END,
         reset_at_ms = CASE WHEN rate_limits.reset_at_ms <= ? THEN excluded.reset_at_ms ELSE rate_limits.reset_at_ms END
       RETURNING hits, reset_at_ms`,
      [this.keyFor(key), resetAt, now, now],
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { hits: number | string; reset_at_ms: number | string }[];
    const row = rows[0]!;
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.reset_at_ms)) };
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limits').where({ key: this.keyFor(key) }).andWhere('hits', '>', 0).decrement('hits', 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limits').where({ key: this.keyFor(key) }).delete();
  }

  /** Removes windows that are over (run now and then, like the session prune). */
  static async prune(db: Db, clock: Clock): Promise<number> {
    return db('rate_limits').where('reset_at_ms', '<=', clock.now().getTime()).delete();
  }

  private keyFor(key: string): string {
    return `${this.prefix}:${key}`.slice(0, 200);
  }
}
