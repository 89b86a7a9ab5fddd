import { decodeCursor, type CallCursor } from './history-cursor.js';
import { parseCountryChoice } from './history-country.js';

/** What the history page and GET /api/v1/calls can narrow the list by. All optional; combined with AND. */
export interface HistoryFilter {
  /**
   * Only calls paid by this account (an API token's; never from a query string); `personal`: calls without an account
   * (older rows) count as its; `everyMember`: every member's calls on it, not only the user's (a team's owners and
   * admins).
   */
  account?: { id: number; personal: boolean; everyMember?: boolean };
  /** An exact status, or 'live' for any call still in progress. */
  status?: string;
  /** ISO 3166 alpha-2 of the destination (typed as a code, a name or another common name). */
  country?: string;
  /** A calling code without "+" (typed as 44 or +44): every number starting with it, whatever its country. */
  callingCode?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  from?: string;
  to?: string;
  /** Digits the destination contains (typed with or without +, spaces, dashes). */
  number?: string;
}

export type FilterParse = { ok: true; filter: HistoryFilter; cursor: CallCursor | undefined; limit: number } | { ok: false; field: string; message: string };

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function one(query: Record<string, unknown>, name: string): string | undefined | null {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  // Repeated or array-shaped parameters are refused like a malformed one: no silent "first wins".
  return typeof value === 'string' ? value.trim() || undefined : null;
}

function validDay(value: string): boolean {
  return DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** Parses list parameters from a query string; `statuses` are the exact statuses a call can have. */
export function parseHistoryQuery(query: Record<string, unknown>, statuses: readonly string[]): FilterParse {
  const filter: HistoryFilter = {};
  const status = one(query, 'status');
  if (status === null || (status !== undefined && status !== 'live' && !statuses.includes(status))) {
    return { ok: false, field: 'status', message: `status must be one of: live, ${statuses.join(', ')}` };
  }
  if (status) filter.status = status;
  const country = one(query, 'country');
  if (country === null) return { ok: false, field: 'country', message: 'country must be given once' };
  if (country !== undefined) {
    const choice = parseCountryChoice(country);
    if (!choice.ok) return { ok: false, field: 'country', message: choice.message };
    if ('iso' in choice.value) filter.country = choice.value.iso;
    else filter.callingCode = choice.value.callingCode;
  }
  for (const name of ['from', 'to'] as const) {
    const day = one(query, name);
    if (day === null || (day !== undefined && !validDay(day))) return { ok: false, field: name, message: `${name} must be a date like 2026-11-22` };
    if (day) filter[name] = day;
  }
  if (filter.from && filter.to && filter.from > filter.to) return { ok: false, field: 'to', message: 'to must be on or after from' };
  const number = one(query, 'number');
  const digits = number?.replace(/[\s().+-]/g, '');
  if (number === null || (digits !== undefined && !/^\d{1,15}$/.test(digits))) return { ok: false, field: 'number', message: 'number must be digits (part of the number is fine)' };
  if (digits) filter.number = digits;
  const rawCursor = one(query, 'cursor');
  const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
  if (rawCursor === null || (rawCursor && !cursor)) return { ok: false, field: 'cursor', message: 'cursor is not one this list gave out; start again without it' };
  const rawLimit = one(query, 'limit');
  const limit = rawLimit === undefined ? DEFAULT_PAGE_SIZE : Number(rawLimit);
  if (rawLimit === null || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) return { ok: false, field: 'limit', message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}` };
  return { ok: true, filter, cursor, limit };
}

/** The query string that reproduces a filter (for page links and the CSV link). */
export function filterQuery(filter: HistoryFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  // account is never part of a link (it comes from an API token).
  const { callingCode, account: _account, ...rest } = filter;
  // A calling code goes back into the same Country field it was typed in.
  const fields: Record<string, string | undefined> = { ...rest, ...(callingCode ? { country: `+${callingCode}` } : {}), ...extra };
  for (const [key, value] of Object.entries(fields)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
