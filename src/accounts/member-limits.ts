import { formatMoney } from '../money/currency.js';

/**
 * Per-member limits of an account that pays (set by a team's owners and admins; a personal account has none): pure,
 * no I/O. The usage is counted by the ledger under the account's wallet lock, in the transaction that takes the
 * hold, so parallel starts by members of one account cannot both pass a limit (docs/teams.md).
 */

export interface MemberLimits {
  /** Null: no limit of that kind. Spend in micro-units per UTC day / month. */
  spendPerDayMicros: number | null;
  spendPerMonthMicros: number | null;
  maxConcurrentCalls: number | null;
  /** ISO 3166 alpha-2 codes the member may call, or null for every country the service calls. */
  allowedCountries: string[] | null;
}

export const NO_MEMBER_LIMITS: MemberLimits = { spendPerDayMicros: null, spendPerMonthMicros: null, maxConcurrentCalls: null, allowedCountries: null };

/** What the member has used of the account: settled call charges plus open holds since each period's start. */
export interface MemberUse {
  spentTodayMicros: number;
  spentThisMonthMicros: number;
  openHolds: number;
}

export type MemberLimit = 'spend-per-day' | 'spend-per-month' | 'concurrent-calls' | 'country';

export type MemberVerdict =
  /** May call; `spendLeftMicros` bounds the hold (undefined: no spend limit). */
  | { ok: true; spendLeftMicros?: number }
  | { ok: false; limit: MemberLimit; message: string };

/** A comma list of country codes as stored ("US,GB"), or null; blanks dropped, upper-cased. */
export function parseCountries(stored: string | null | undefined): string[] | null {
  if (stored === null || stored === undefined) return null;
  return stored.split(',').map((c) => c.trim().toUpperCase()).filter((c) => /^[A-Z]{2}$/.test(c));
}

/**
 * Whether a member may start a call to `country` (the destination's ISO code, null when unknown) in an account
 * named `accountName`, and how much the call's hold may spend. The first limit reached is named in the refusal.
 */
export function judgeMemberLimits(limits: MemberLimits, use: MemberUse, country: string | null, accountName: string, currency: string): MemberVerdict {
  if (limits.allowedCountries !== null && (country === null || !limits.allowedCountries.includes(country.toUpperCase()))) {
    const list = limits.allowedCountries.length === 0 ? 'no countries' : limits.allowedCountries.join(', ');
    return { ok: false, limit: 'country', message: `${accountName} lets you call only ${list}: this number is ${country === null ? 'in an unknown country' : `in ${country.toUpperCase()}`}.` };
  }
  if (limits.maxConcurrentCalls !== null && use.openHolds >= limits.maxConcurrentCalls) {
    const n = limits.maxConcurrentCalls;
    return { ok: false, limit: 'concurrent-calls', message: `${accountName} lets you make ${n} call${n === 1 ? '' : 's'} at once: wait for the other one to finish.` };
  }
  const left: number[] = [];
  if (limits.spendPerDayMicros !== null) {
    const dayLeft = limits.spendPerDayMicros - use.spentTodayMicros;
    if (dayLeft <= 0) return { ok: false, limit: 'spend-per-day', message: `Your spending limit of ${formatMoney(limits.spendPerDayMicros, currency)} a day with ${accountName} is reached: it resets at midnight UTC.` };
    left.push(dayLeft);
  }
  if (limits.spendPerMonthMicros !== null) {
    const monthLeft = limits.spendPerMonthMicros - use.spentThisMonthMicros;
    if (monthLeft <= 0) return { ok: false, limit: 'spend-per-month', message: `Your spending limit of ${formatMoney(limits.spendPerMonthMicros, currency)} a month with ${accountName} is reached: it resets on the 1st (UTC).` };
    left.push(monthLeft);
  }
  return left.length === 0 ? { ok: true } : { ok: true, spendLeftMicros: Math.min(...left) };
}

/** The start of `now`'s UTC month (ISO): a monthly limit counts from here. */
export function startOfUtcMonth(now: Date): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}
