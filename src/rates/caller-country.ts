import type { Request, Response } from 'express';
import type { User } from '../accounts/users-repository.js';
import { countryPrices } from './country-list.js';
import type { CallerLeg } from './cost-preview.js';
import type { RateDeckService } from './rate-deck-service.js';

/**
 * "Your phone is in": where a caller's own phone is when we do not know the phone yet (a visitor, or a user whose
 * phone is not verified), so a price can include the leg to it (issue #24). The rates page and the dial page share it.
 */
const CALLER_COUNTRY_COOKIE = 'caller_country';

/** "en-GB,en;q=0.9" → "GB": the region of the browser's first language, if it names one. */
export function languageRegion(acceptLanguage: string | undefined): string | undefined {
  const first = acceptLanguage?.split(',')[0]?.trim() ?? '';
  const region = /^[a-z]{2,3}(?:-[A-Za-z]{4})?-([A-Za-z]{2})\b/.exec(first)?.[1];
  return region?.toUpperCase();
}

function cookieValue(req: Request, name: string): string | undefined {
  const pair = (req.headers.cookie ?? '').split(';').map((p) => p.trim()).find((p) => p.startsWith(`${name}=`));
  return pair?.slice(name.length + 1);
}

/** Whether the leg to the caller's phone must be priced from a country they pick (no verified phone). */
export function asksCallerCountry(user: User | undefined): boolean {
  return !user?.phoneVerifiedAt || !user.phoneE164;
}

/**
 * The caller's phone country: asked (?from=, remembered in a cookie for both pages), else the cookie, else the region
 * of the browser's language, else the US; always one the deck offers.
 */
export function callerCountry(rates: RateDeckService, req: Request, res: Response): string {
  const offered = new Set(countryPrices(rates.rates()).map((c) => c.iso));
  const known = (iso: string | undefined) => (iso && offered.has(iso) ? iso : undefined);
  const from = typeof req.query.from === 'string' ? req.query.from.slice(0, 2).toUpperCase() : undefined;
  const asked = known(from);
  if (asked) res.cookie(CALLER_COUNTRY_COOKIE, asked, { maxAge: 365 * 86_400_000, sameSite: 'lax', httpOnly: true, path: '/' });
  return asked ?? known(cookieValue(req, CALLER_COUNTRY_COOKIE)) ?? known(languageRegion(req.get('accept-language'))) ?? 'US';
}

export function callerLeg(rates: RateDeckService, iso: string): CallerLeg | undefined {
  const country = countryPrices(rates.rates()).find((c) => c.iso === iso);
  // Most callers' own phone is a mobile: its leg is priced at the country's mobile rate where the deck has one.
  return country ? { country: country.country, perMinuteMicros: country.mobilePerMinuteMicros ?? country.perMinuteMicros } : undefined;
}

export interface CallerOption {
  iso: string;
  label: string;
  selected: boolean;
}

export function callerOptions(rates: RateDeckService, selected: string): CallerOption[] {
  return countryPrices(rates.rates()).map((c) => ({ iso: c.iso, label: `${c.flag} ${c.country}`, selected: c.iso === selected }));
}
