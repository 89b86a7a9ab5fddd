import { flagEmoji } from '../rating/phone.js';
import type { Rate } from '../rating/rate.js';
import { COUNTRY_ALIASES } from './country-aliases.js';
import { callingCodeOf } from './deck-format.js';

export interface CountryPrice {
  iso: string;
  country: string;
  flag: string;
  callingCode: string;
  /** The price of the country's own row (its calling code or main ranges): usually landlines. */
  perMinuteMicros: number;
  /** The dearest mobile row, when the deck prices mobiles separately. */
  mobilePerMinuteMicros: number | undefined;
}

/**
 * One line per enabled country for the public rates page: flag, calling code and price per minute, filtered by
 * a typed query (country name or another common name, ISO code or calling code), best matches first, then by name.
 */
export function countryPrices(rates: readonly Rate[], query = ''): CountryPrice[] {
  const byIso = new Map<string, { main: Rate; mobile: number | undefined }>();
  for (const rate of rates) {
    if (!rate.enabled) continue;
    const entry = byIso.get(rate.iso);
    const isMobile = / - Mobile$/.test(rate.description);
    if (!entry) {
      byIso.set(rate.iso, { main: rate, mobile: isMobile ? rate.sellPerMinMicros : undefined });
      continue;
    }
    if (isMobile) entry.mobile = Math.max(entry.mobile ?? 0, rate.sellPerMinMicros);
    else if (rate.prefix.length < entry.main.prefix.length || / - Mobile$/.test(entry.main.description)) entry.main = rate;
  }
  const ranked: { country: CountryPrice; rank: number }[] = [];
  for (const { main, mobile } of byIso.values()) {
    const callingCode = callingCodeOf(main.iso) ?? main.prefix;
    const rank = countryMatchRank(query, main.iso, main.country, callingCode);
    if (rank === undefined) continue;
    const country = { iso: main.iso, country: main.country, flag: flagEmoji(main.iso), callingCode, perMinuteMicros: main.sellPerMinMicros, mobilePerMinuteMicros: mobile };
    ranked.push({ country, rank });
  }
  return ranked.sort((a, b) => a.rank - b.rank || a.country.country.localeCompare(b.country.country, 'en')).map((r) => r.country);
}

/**
 * Text as search compares it: lower case, accents folded (Côte → cote, Åland → aland, Curaçao → curacao),
 * punctuation dropped (U.S. → us, d’Ivoire → divoire), "&" read as "and", spaces collapsed.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[.'’‘`]/g, '')
    .replace(/[^\p{L}\p{N}+]+/gu, ' ')
    .trim();
}

/** The ways a country can be found: its name, "saint" for "St.", and common other names (folded for search). */
export function searchNames(iso: string, name: string): string[] {
  const folded = foldForSearch(name);
  const names = [folded, ...(COUNTRY_ALIASES[iso.toUpperCase()] ?? []).map(foldForSearch)];
  if (/\bst\b/.test(folded)) names.push(folded.replace(/\bst\b/g, 'saint'));
  return names;
}

/**
 * How well a typed query names a country, for ordering results: 0 exact (name, alias or ISO code), 1 a word
 * starts with it, 2 it appears inside a name, 3 a calling-code prefix ("+44", "1 8"); undefined when it does
 * not match. An empty query matches everything at rank 0. The dial page's country picker shares this search.
 */
export function countryMatchRank(query: string, iso: string, name: string, callingCode = callingCodeOf(iso) ?? ''): number | undefined {
  const needle = foldForSearch(query);
  if (!needle) return 0;
  const digits = needle.replace(/^\+/, '').replace(/ /g, '');
  if (!digits) return 0;
  if (/^\d+$/.test(digits)) return callingCode && callingCode.startsWith(digits) ? 3 : undefined;
  const names = searchNames(iso, name);
  if (needle === iso.toLowerCase() || names.includes(needle)) return 0;
  if (names.some((n) => n.startsWith(needle) || n.includes(` ${needle}`))) return 1;
  if (names.some((n) => n.includes(needle))) return 2;
  return undefined;
}

/** Whether a typed query finds this country (see countryMatchRank). */
export function matchesCountry(query: string, iso: string, name: string): boolean {
  return countryMatchRank(query, iso, name) !== undefined;
}
