import { getCountries } from 'libphonenumber-js';
import { formatMicros, tryParseMicros } from '../money/micros.js';

/** Pure parsing of the teams' forms: no I/O, property-tested (test/teams/team-forms.test.ts). */

export type FieldErrors = Record<string, string>;
export type FormOutcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export const TEAM_NAME_MAX = 80;
/** The most a per-member spend limit may be: far above any real team's spend, low enough to stay a safe integer. */
export const MAX_SPEND_LIMIT_MICROS = 1_000_000 * 1_000_000;
export const MAX_CONCURRENT_CALLS = 50;
/** The countries a number can be read for: the ones the service could call at all. */
const KNOWN_COUNTRIES = new Set<string>(getCountries());

export interface MemberLimits {
  spendPerDayMicros: number | null;
  spendPerMonthMicros: number | null;
  maxConcurrentCalls: number | null;
  /** Sorted ISO 3166 alpha-2 codes; null: every country the service calls. */
  allowedCountries: string[] | null;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function parseTeamName(value: unknown): FormOutcome<string> {
  // Runs of whitespace (a pasted tab or newline) become one space: the name shows on one line everywhere.
  const name = text(value).replace(/\s+/g, ' ').trim();
  if (name === '') return { ok: false, errors: { name: 'Enter a name for the team.' } };
  if (name.length > TEAM_NAME_MAX) return { ok: false, errors: { name: `At most ${TEAM_NAME_MAX} characters (this one has ${name.length}).` } };
  return { ok: true, value: name };
}

/** An email as people type it: trimmed, lower-cased; one @, something on each side, a dot in the domain, no spaces. */
export function parseInviteEmail(value: unknown): string | undefined {
  const email = text(value).trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return undefined;
  return email;
}

export const INVITE_ROLES = ['admin', 'member'] as const;
export type InviteRole = (typeof INVITE_ROLES)[number];
export const isInviteRole = (value: unknown): value is InviteRole => value === 'admin' || value === 'member';

function spend(raw: string, field: string, period: string, errors: FieldErrors): number | null {
  const value = raw.trim();
  if (value === '') return null;
  const micros = /^\d{1,7}(\.\d{1,2})?$/.test(value) ? tryParseMicros(value) : undefined;
  if (micros === undefined || micros <= 0 || micros > MAX_SPEND_LIMIT_MICROS) {
    errors[field] = /\.\d{3,}$/.test(value)
      ? `Spend per ${period}: use whole cents, at most 2 decimals.`
      : `Spend per ${period}: enter an amount such as 20.00 (more than 0, at most 1,000,000), or leave it empty for no limit.`;
    return null;
  }
  return micros;
}

/**
 * The per-member limits form: spend per day and per month in the account's currency, concurrent calls, allowed
 * countries ("GB, FR" or "gb fr"). Empty means no limit. Every bad field is named; nothing is returned half-parsed.
 */
export function parseMemberLimits(body: Record<string, unknown>): FormOutcome<MemberLimits> {
  const errors: FieldErrors = {};
  const spendPerDayMicros = spend(text(body.spend_per_day), 'spend_per_day', 'day', errors);
  const spendPerMonthMicros = spend(text(body.spend_per_month), 'spend_per_month', 'month', errors);
  if (spendPerDayMicros !== null && spendPerMonthMicros !== null && spendPerDayMicros > spendPerMonthMicros) {
    errors.spend_per_month = 'Spend per month: it cannot be less than the spend per day.';
  }
  const callsText = text(body.max_concurrent_calls).trim();
  let maxConcurrentCalls: number | null = null;
  if (callsText !== '') {
    if (!/^\d{1,3}$/.test(callsText) || Number(callsText) < 1 || Number(callsText) > MAX_CONCURRENT_CALLS) {
      errors.max_concurrent_calls = `Concurrent calls: a whole number from 1 to ${MAX_CONCURRENT_CALLS}, or leave it empty for no limit.`;
    } else maxConcurrentCalls = Number(callsText);
  }
  const countriesText = text(body.allowed_countries).trim();
  let allowedCountries: string[] | null = null;
  if (countriesText !== '') {
    const codes = countriesText.split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());
    const unknown = codes.filter((c) => !KNOWN_COUNTRIES.has(c));
    if (unknown.length > 0) {
      errors.allowed_countries = `Allowed countries: ${unknown.slice(0, 5).join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} two-letter country code${unknown.length === 1 ? '' : 's'} (ISO 3166, such as GB or US).`;
    } else allowedCountries = [...new Set(codes)].sort();
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { spendPerDayMicros, spendPerMonthMicros, maxConcurrentCalls, allowedCountries } };
}

/** The form's values for stored limits (the inverse of parseMemberLimits). */
export function limitsFormValues(limits: MemberLimits): Record<string, string> {
  return {
    spend_per_day: limits.spendPerDayMicros === null ? '' : formatMicros(limits.spendPerDayMicros),
    spend_per_month: limits.spendPerMonthMicros === null ? '' : formatMicros(limits.spendPerMonthMicros),
    max_concurrent_calls: limits.maxConcurrentCalls === null ? '' : String(limits.maxConcurrentCalls),
    allowed_countries: limits.allowedCountries === null ? '' : limits.allowedCountries.join(', '),
  };
}

export const NO_LIMITS: MemberLimits = { spendPerDayMicros: null, spendPerMonthMicros: null, maxConcurrentCalls: null, allowedCountries: null };
