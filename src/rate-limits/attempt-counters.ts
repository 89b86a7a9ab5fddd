import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';

/** How many attempts of one kind a subject (an address, an account, a phone number) may make per window. */
export interface LimitPolicy {
  /** Names the counter, e.g. "login-address"; part of the stored key. */
  name: string;
  limit: number;
  windowMs: number;
}

export type LimitState = { blocked: false } | { blocked: true; retryInMs: number };

interface CounterRow {
  hits: number | string;
  window_ends_at: number | string;
}

/**
 * Fixed-window attempt counters in the database: every process shares them and they survive restarts. Subjects are
 * stored hashed, so the table holds no email addresses or client addresses.
 */
export function attemptCounters(db: Db, clock: Clock) {
  const keyOf = (policy: LimitPolicy, subject: string) => `${policy.name}:${createHash('sha256').update(subject).digest('base64url').slice(0, 32)}`;

  async function current(policy: LimitPolicy, subject: string): Promise<{ hits: number; windowEndsAt: number } | undefined> {
    const row = (await db('rate_limit_counters').where({ key: keyOf(policy, subject) }).first('hits', 'window_ends_at')) as CounterRow | undefined;
    if (!row || Number(row.window_ends_at) <= clock.now().getTime()) return undefined;
    return { hits: Number(row.hits), windowEndsAt: Number(row.window_ends_at) };
  }

  async function count(policy: LimitPolicy, subject: string): Promise<{ hits: number; windowEndsAt: number }> {
    const now = clock.now().getTime();
    const endsAt = now + policy.windowMs;
    const [row] = (await db('rate_limit_counters')
      .insert({ key: keyOf(policy, subject), hits: 1, window_ends_at: endsAt })
      .onConflict('key')
      .merge({
        hits: db.raw('CASE WHEN rate_limit_counters.window_ends_at <= ? THEN 1 ELSE rate_limit_counters.hits + 1 END', [now]),
        window_ends_at: db.raw('CASE WHEN rate_limit_counters.window_ends_at <= ? THEN ? ELSE rate_limit_counters.window_ends_at END', [now, endsAt]),
      })
      .returning(['hits', 'window_ends_at'])) as CounterRow[];
    return { hits: Number(row?.hits ?? 1), windowEndsAt: Number(row?.window_ends_at ?? endsAt) };
  }

  return {
    /** Blocked when the subject has used up its attempts in the current window; reads one row, writes nothing. */
    async check(policy: LimitPolicy, subject: string): Promise<LimitState> {
      const counter = await current(policy, subject);
      if (!counter || counter.hits < policy.limit) return { blocked: false };
      return { blocked: true, retryInMs: counter.windowEndsAt - clock.now().getTime() };
    },

    /** Counts one attempt (one atomic upsert, so concurrent requests and processes never lose a hit). */
    async record(policy: LimitPolicy, subject: string): Promise<number> {
      return (await count(policy, subject)).hits;
    },

    /** As record, with when the window the attempt was counted in ends (epoch ms), for a "try again in" answer. */
    recordInWindow: count,

    /**
     * Counts the attempt first, then refuses it when the count is past the limit. Counting first is what makes the
     * limit hold under concurrency: of N parallel attempts exactly `limit` see a count within it, whereas
     * check-then-record lets every attempt that read the counter before the others wrote it go ahead.
     */
    async consume(policy: LimitPolicy, subject: string): Promise<LimitState> {
      const counter = await count(policy, subject);
      if (counter.hits <= policy.limit) return { blocked: false };
      return { blocked: true, retryInMs: counter.windowEndsAt - clock.now().getTime() };
    },

    /**
     * Takes back one attempt counted by `consume` that turned out not to count (a log-in that succeeded): one atomic
     * decrement, never below zero, and only within the window it was counted in.
     */
    async refund(policy: LimitPolicy, subject: string): Promise<void> {
      await db('rate_limit_counters')
        .where({ key: keyOf(policy, subject) })
        .where('window_ends_at', '>', clock.now().getTime())
        .where('hits', '>', 0)
        .update({ hits: db.raw('hits - 1') });
    },

    async reset(policy: LimitPolicy, subject: string): Promise<void> {
      await db('rate_limit_counters').where({ key: keyOf(policy, subject) }).delete();
    },

    /** Drops finished windows; called on the hourly maintenance timer. */
    async prune(): Promise<number> {
      return db('rate_limit_counters').where('window_ends_at', '<=', clock.now().getTime()).delete();
    },
  };
}

export type AttemptCounters = ReturnType<typeof attemptCounters>;

/** "try again in N minutes", with N the real time left, rounded up. */
export function retryMessage(retryInMs: number): string {
  const minutes = Math.max(1, Math.ceil(retryInMs / 60_000));
  return minutes === 1 ? 'Try again in 1 minute.' : `Try again in ${minutes} minutes.`;
}
