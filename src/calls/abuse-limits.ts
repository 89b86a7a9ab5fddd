/**
 * The toll-fraud policy (docs/security.md, "Bounded first-leg cost"), as pure decisions: no I/O, every count is read
 * by the caller (src/calls/call-abuse.ts counts first, atomically, then asks here).
 *
 * The loop it stops: an account whose "own phone" is a number someone is paid to terminate calls a destination that
 * never answers, again and again. Every attempt rings the own phone (the first leg) and Twilio bills us for it while
 * the caller is charged nothing, because nothing was bridged. The policy:
 *   - the first `freeUnansweredPerDay` attempts a day that were not bridged are free; after that the own leg of an
 *     attempt that was not bridged is charged from the user's answer, like any leg (its price is at least our cost);
 *   - attempts per hour and per day, and distinct destinations per day, are limited;
 *   - a new account may spend at most `newAccountDailySpendMicros` a day for its first `newAccountDays` days;
 *   - the own phone is a mobile or fixed line in a country whose own-leg cost is under `ownLegMaxCostPerMinMicros`;
 *   - velocity alerts (too many unanswered attempts, the daily attempt or destination limit reached) put the account
 *     on hold until an admin looks at it.
 * So what an account can cost us a day without paying it back is at most the free attempts' own legs:
 * `worstDailyLossMicros` below.
 */

export interface AbusePolicy {
  attemptsPerHour: number;
  attemptsPerDay: number;
  destinationsPerDay: number;
  freeUnansweredPerDay: number;
  holdAfterUnansweredPerDay: number;
  newAccountDays: number;
  newAccountDailySpendMicros: number;
  /** What the user's own leg may cost us per minute (admin-set, OWN_LEG_MAX_COST_PER_MIN). */
  ownLegMaxCostPerMinMicros: number;
}

export const defaultAbusePolicy: AbusePolicy = {
  attemptsPerHour: 15,
  attemptsPerDay: 60,
  destinationsPerDay: 30,
  freeUnansweredPerDay: 3,
  holdAfterUnansweredPerDay: 10,
  newAccountDays: 3,
  newAccountDailySpendMicros: 5_000_000,
  ownLegMaxCostPerMinMicros: 150_000,
};

/** Counts taken for this attempt, this attempt included. */
export interface AttemptCounts {
  attemptsThisHour: number;
  attemptsToday: number;
  /** Distinct destinations called today, this one included. */
  destinationsToday: number;
}

export type AttemptVerdict =
  | { kind: 'allow' }
  | { kind: 'refuse'; message: string }
  /** Refused, and the account goes on hold for review with this reason (shown to the admin). */
  | { kind: 'hold'; reason: string; message: string };

const HOLD_MESSAGE = 'Your account is on hold while we review unusual calling activity. Contact support if you think this is a mistake.';

/** Whether a call attempt may go ahead given the counts including it. */
export function judgeAttempt(counts: AttemptCounts, policy: AbusePolicy = defaultAbusePolicy): AttemptVerdict {
  if (counts.attemptsToday > policy.attemptsPerDay) {
    return { kind: 'hold', reason: `${counts.attemptsToday} call attempts in a day (limit ${policy.attemptsPerDay})`, message: HOLD_MESSAGE };
  }
  if (counts.destinationsToday > policy.destinationsPerDay) {
    return { kind: 'hold', reason: `${counts.destinationsToday} different numbers called in a day (limit ${policy.destinationsPerDay})`, message: HOLD_MESSAGE };
  }
  if (counts.attemptsThisHour > policy.attemptsPerHour) {
    return { kind: 'refuse', message: `You have made ${policy.attemptsPerHour} call attempts within an hour.` };
  }
  return { kind: 'allow' };
}

export interface UnansweredVerdict {
  /** The own leg of this attempt is charged from the user's answer. */
  billFirstLeg: boolean;
  /** Put the account on hold, for this reason. */
  holdReason?: string;
}

/** For an attempt that was not bridged, the `unansweredToday`-th today (this one included). */
export function judgeUnanswered(unansweredToday: number, policy: AbusePolicy = defaultAbusePolicy): UnansweredVerdict {
  const billFirstLeg = unansweredToday > policy.freeUnansweredPerDay;
  if (unansweredToday >= policy.holdAfterUnansweredPerDay) {
    return { billFirstLeg, holdReason: `${unansweredToday} calls in a day were not connected (alert at ${policy.holdAfterUnansweredPerDay})` };
  }
  return { billFirstLeg };
}

/** The daily spend cap that applies: the admin's per-user cap, and the new-account cap while the account is new. */
export function effectiveDailyCap(userCapMicros: number | null | undefined, accountCreatedAt: string, now: Date, policy: AbusePolicy = defaultAbusePolicy): number | undefined {
  const ageMs = now.getTime() - Date.parse(accountCreatedAt);
  const isNew = !(ageMs >= policy.newAccountDays * 86_400_000);
  const caps = [userCapMicros ?? Infinity, isNew ? policy.newAccountDailySpendMicros : Infinity];
  const cap = Math.min(...caps);
  return Number.isFinite(cap) ? cap : undefined;
}

/** libphonenumber types a user's own phone may be: we ring it on every call, so it must be a person's line. */
export const OWN_PHONE_TYPES: ReadonlySet<string> = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

export type OwnPhoneVerdict = { ok: true } | { ok: false; message: string };

/**
 * Whether a number may be a user's own phone: a mobile or landline (or a type an admin allowed for its country:
 * `allowedByAdmin`), and its leg costs us no more than the cap.
 */
export function judgeOwnPhone(type: string | undefined, costPerMinMicros: number, policy: AbusePolicy = defaultAbusePolicy, allowedByAdmin = false): OwnPhoneVerdict {
  if (!allowedByAdmin && (!type || !OWN_PHONE_TYPES.has(type))) return { ok: false, message: 'Your own phone must be a mobile or landline number.' };
  if (!(costPerMinMicros <= policy.ownLegMaxCostPerMinMicros)) return { ok: false, message: 'We cannot ring phones in this country: calls to it cost too much.' };
  return { ok: true };
}

/**
 * The most a day of attempts can cost us unpaid: only the free unanswered attempts' own legs, each at most the
 * capped cost per started minute of the longest first leg that is not bridged (`preBridgeSeconds`).
 */
export function worstDailyLossMicros(preBridgeSeconds: number, policy: AbusePolicy = defaultAbusePolicy): number {
  return policy.freeUnansweredPerDay * policy.ownLegMaxCostPerMinMicros * Math.max(1, Math.ceil(preBridgeSeconds / 60));
}
