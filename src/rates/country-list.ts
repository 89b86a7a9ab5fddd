import { flagEmoji } from '../rating/phone.js';
import type { Rate } from '../rating/rate.js';
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
 * One line per enabled country for the public rates page: flag, calling code and price per minute,
 * filtered by a typed query (country name, ISO code or calling code) and sorted by name.
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
  const needle = query.trim().toLowerCase().replace(/^\+/, '');
  return [...byIso.values()]
    .map(({ main, mobile }) => ({
      iso: main.iso,
      country: main.country,
      flag: flagEmoji(main.iso),
      callingCode: callingCodeOf(main.iso) ?? main.prefix,
      perMinuteMicros: main.sellPerMinMicros,
      mobilePerMinuteMicros: mobile,
    }))
    .filter((c) => !needle || c.country.toLowerCase().includes(needle) || c.iso.toLowerCase() === needle || c.callingCode.startsWith(needle))
    .sort((a, b) => a.country.localeCompare(b.country, 'en'));
}
