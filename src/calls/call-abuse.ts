import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { isSqlite, type Db } from '../db/database.js';
import type { AttemptCounters, LimitPolicy } from '../rate-limits/attempt-counters.js';
import { judgeAttempt, judgeUnanswered, type AbusePolicy, type AttemptVerdict } from './abuse-limits.js';
import { startOfUtcDay } from './daily-spend.js';

const DAY_MS = 86_400_000;

/** Why an account may not place a call, read inside the placement's transaction. */
export type AccountBlock = { kind: 'disabled' } | { kind: 'held'; reason: string | null };

/**
 * Whether the account may place a call, read in the placement's transaction with the user's row locked for share on
 * PostgreSQL: a disable or hold committing meanwhile is either seen here or waits for this placement (and then finds
 * its live call to end). SQLite runs one write transaction at a time.
 */
export async function accountBlockInside(trx: Knex.Transaction, userId: number): Promise<AccountBlock | undefined> {
  const query = trx('users').where({ id: userId }).first<{ disabled_at: string | null; held_at: string | null; held_reason: string | null } | undefined>('disabled_at', 'held_at', 'held_reason');
  const row = isSqlite(trx) ? await query : await query.forShare();
  if (!row || row.disabled_at) return { kind: 'disabled' };
  if (row.held_at) return { kind: 'held', reason: row.held_reason };
  return undefined;
}

/**
 * The toll-fraud policy's counting and its account holds (the decisions are pure, in abuse-limits.ts). Every count
 * is one atomic upsert on the shared attempt counters, taken before the decision: parallel attempts each see their
 * own count, so none slips past a limit.
 */
export function callAbuse(deps: { db: Db; clock: Clock; counters: AttemptCounters; policy: AbusePolicy; logger: Pick<Logger, 'warn'> }) {
  const { db, clock, counters, policy } = deps;
  const today = () => startOfUtcDay(clock.now()).slice(0, 10);
  const daily = (name: string, limit: number): LimitPolicy => ({ name, limit, windowMs: DAY_MS });
  const perHour: LimitPolicy = { name: 'call-attempts-hour', limit: policy.attemptsPerHour, windowMs: 3_600_000 };

  async function hold(userId: number, reason: string): Promise<void> {
    await db.transaction(async (trx) => {
      const stamp = clock.now().toISOString();
      const changed = await trx('users').where({ id: userId }).whereNull('held_at').update({ held_at: stamp, held_reason: reason.slice(0, 300), updated_at: stamp });
      if (changed === 0) return;
      await recordAudit(trx, clock, { actorId: null, action: 'user.hold', subject: `user ${userId}`, summary: `Put on hold for review: ${reason}`, newValue: { held: true, reason } });
    });
    deps.logger.warn({ userId, reason }, 'account put on hold for review');
  }

  return {
    policy,

    /** Counts a call attempt to `destinationE164` (first), then decides it; a velocity alert puts the account on hold. */
    async countAttempt(userId: number, destinationE164: string): Promise<AttemptVerdict & { retryInMs?: number }> {
      const day = today();
      const hour = await counters.recordInWindow(perHour, String(userId));
      const attemptsThisHour = hour.hits;
      const attemptsToday = await counters.record(daily('call-attempts-day', policy.attemptsPerDay), `${userId}:${day}`);
      const firstToday = (await counters.record(daily('call-destination-seen', 1), `${userId}:${day}:${destinationE164}`)) === 1;
      // A destination already called today changes nothing: only a new one can pass the limit.
      const destinationsToday = firstToday ? await counters.record(daily('call-destinations-day', policy.destinationsPerDay), `${userId}:${day}`) : 0;
      const verdict = judgeAttempt({ attemptsThisHour, attemptsToday, destinationsToday }, policy);
      if (verdict.kind === 'hold') await hold(userId, verdict.reason);
      return verdict.kind === 'refuse' ? { ...verdict, retryInMs: Math.max(0, hour.windowEndsAt - clock.now().getTime()) } : verdict;
    },

    /**
     * An attempt that rang the user's own phone and was not bridged: counted (first), then whether its own leg is
     * charged (past the free allowance) and, past the alert, the account put on hold.
     */
    async countUnanswered(userId: number): Promise<boolean> {
      const count = await counters.record(daily('call-unanswered-day', policy.holdAfterUnansweredPerDay), `${userId}:${today()}`);
      const verdict = judgeUnanswered(count, policy);
      if (verdict.holdReason) await hold(userId, verdict.holdReason);
      return verdict.billFirstLeg;
    },

    hold,
  };
}

export type CallAbuse = ReturnType<typeof callAbuse>;
