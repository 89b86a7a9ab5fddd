import type { User } from '../accounts/users-repository.js';
import { formatRate } from '../money/currency.js';
import type { CountryPrice } from '../rates/country-list.js';
import { previewView, type CallerLeg, type PreviewView } from '../rates/cost-preview.js';
import type { Quote, Refusal } from '../rates/rate-deck-service.js';
import { checkPhoneNumber } from '../rating/phone.js';

/** A call shorter than one billed minute is not worth ringing two phones for; the calls feature holds the same. */
export const MINIMUM_CALL_SECONDS = 60;

export const FALLBACK_COUNTRY = 'US';

export type DialRefusal = Refusal | 'no-phone' | 'own-number-not-rated' | 'insufficient-credit' | 'live-call';

export interface LiveCall {
  id: string;
}

/** The dial preview fragment: plain strings, so the view does no arithmetic and no formatting. */
export interface DialPreviewView {
  state: 'empty' | 'refused' | 'ready';
  reason?: DialRefusal;
  message?: string;
  /** The number is still too short: said as a neutral hint while the user types, not in error red. */
  incomplete?: boolean;
  link?: { href: string; text: string };
  /** The price facts, whenever the destination itself could be priced (also beside a refusal about the caller). */
  price?: PreviewView;
}

export interface DialPreviewInput {
  typed: string;
  user: User;
  liveCall: LiveCall | null;
  /** Absent when nothing was typed. */
  quote: Quote | undefined;
  availableMicros: number;
  currency: string;
  /** Without a verified phone: the country the user said their phone is in, so the price has both legs. */
  callerLeg?: CallerLeg | undefined;
}

/**
 * What the dial preview says for a typed number: the price and longest call, or the first reason the call would be
 * refused, in the order the user can fix them (the call in progress, the number, their phone, their credit).
 */
export function dialPreviewView(input: DialPreviewInput): DialPreviewView {
  const { typed, user, liveCall, quote, currency } = input;
  if (!quote || !typed.trim()) return { state: 'empty' };
  if (liveCall) {
    return refused('live-call', 'You already have a call in progress: end it before starting another.', { href: liveCallLinks(liveCall).pageUrl, text: 'Go to your call' });
  }
  if (!quote.ok) return quote.incomplete ? { ...refused(quote.reason, quote.message), incomplete: true } : refused(quote.reason, quote.message);
  const price = previewView(typed, quote, currency, true, input.availableMicros, input.callerLeg);
  if (!user.phoneVerifiedAt || !user.phoneE164) {
    return { ...refused('no-phone', 'Verify your own phone first: callbridge rings it, then connects you to this number.', { href: '/account/phone', text: 'Verify your phone' }), price };
  }
  if (!quote.firstLegRate || !quote.firstLegRate.enabled) {
    return { ...refused('own-number-not-rated', 'We cannot ring phones in your country yet, so calls cannot start.'), price };
  }
  if (quote.worstCaseSeconds < MINIMUM_CALL_SECONDS) {
    return {
      ...refused('insufficient-credit', `Not enough credit: ${price.available} does not pay for a one-minute call to this number at ${price.perMinute}.`, { href: '/wallet#top-up', text: 'Add credit' }),
      price,
    };
  }
  return { state: 'ready', price };
}

/** Where the call in progress lives: its page, and the status fragment the dial page loads in its place. */
export function liveCallLinks(call: LiveCall): { pageUrl: string; statusUrl: string } {
  const pageUrl = `/calls/${encodeURIComponent(call.id)}`;
  return { pageUrl, statusUrl: `${pageUrl}/status` };
}

function refused(reason: DialRefusal, message: string, link?: { href: string; text: string }): DialPreviewView {
  return link ? { state: 'refused', reason, message, link } : { state: 'refused', reason, message };
}

export interface CountryOption {
  iso: string;
  flag: string;
  country: string;
  callingCode: string;
  perMinute: string;
  selected: boolean;
}

export function countryOptions(countries: readonly CountryPrice[], selectedIso: string, currency: string): CountryOption[] {
  return countries.map((c) => ({
    iso: c.iso,
    flag: c.flag,
    country: c.country,
    callingCode: c.callingCode,
    perMinute: formatRate(c.perMinuteMicros, currency),
    selected: c.iso === selectedIso,
  }));
}

/**
 * The country the picker starts on: the one asked for (a refused call's redirect), else the last one called, else
 * the country of the user's own verified phone, else the US; always one the deck offers, when it offers any.
 */
export function defaultCountry(offered: ReadonlySet<string>, choices: { requested?: string | undefined; lastUsed: string | null; user: User }): string {
  const ownPhone = choices.user.phoneVerifiedAt && choices.user.phoneE164 ? ownCountry(choices.user.phoneE164) : undefined;
  const candidates = [choices.requested, choices.lastUsed ?? undefined, ownPhone, FALLBACK_COUNTRY];
  return candidates.find((iso) => iso !== undefined && offered.has(iso)) ?? offered.values().next().value ?? FALLBACK_COUNTRY;
}

function ownCountry(e164: string): string | undefined {
  const phone = checkPhoneNumber(e164);
  return phone.ok ? phone.country : undefined;
}

/** A query-string value as typed, or '' for a missing, repeated or array-shaped one. */
export function queryText(value: unknown, max = 60): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

/** An ISO alpha-2 code from the query string, upper-cased, or undefined for anything else. */
export function countryParam(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : undefined;
}
