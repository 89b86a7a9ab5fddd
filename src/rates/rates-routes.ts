import type { Request, Response } from 'express';
import { formatRate } from '../money/currency.js';
import type { Ledger } from '../ledger/ledger.js';
import { countryPrices } from './country-list.js';
import { previewView, quoteForUser, type CallerLeg, type PreviewView } from './cost-preview.js';
import type { RateDeckService } from './rate-deck-service.js';

export interface RatesRoutesDeps {
  rates: RateDeckService;
  wallet: Ledger;
  currency: string;
}

const MAX_QUERY = 60;
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

function queryText(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_QUERY) : '';
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';

export function ratesRoutes(deps: RatesRoutesDeps) {
  const { rates, wallet, currency } = deps;

  function countries(query: string) {
    return countryPrices(rates.rates(), query).map((c) => ({
      ...c,
      perMinute: formatRate(c.perMinuteMicros, currency),
      mobilePerMinute: c.mobilePerMinuteMicros === undefined ? undefined : formatRate(c.mobilePerMinuteMicros, currency),
    }));
  }

  /**
   * Where a visitor's own phone is, for the leg to it: asked on the page (and remembered in a cookie), else the
   * region of the browser's language, else the US. Signed in, the user's verified phone prices that leg.
   */
  function callerCountry(req: Request, res: Response): string {
    const all = countryPrices(rates.rates());
    const known = (iso: string | undefined) => (iso && all.some((c) => c.iso === iso) ? iso : undefined);
    const asked = known(queryText(req.query.from).toUpperCase());
    if (asked) res.cookie(CALLER_COUNTRY_COOKIE, asked, { maxAge: 365 * 86_400_000, sameSite: 'lax', httpOnly: true, path: '/rates' });
    return asked ?? known(cookieValue(req, CALLER_COUNTRY_COOKIE)) ?? known(languageRegion(req.get('accept-language'))) ?? 'US';
  }

  function callerLeg(iso: string): CallerLeg | undefined {
    const country = countryPrices(rates.rates()).find((c) => c.iso === iso);
    // Most callers' own phone is a mobile: its leg is priced at the country's mobile rate where the deck has one.
    return country ? { country: country.country, perMinuteMicros: country.mobilePerMinuteMicros ?? country.perMinuteMicros } : undefined;
  }

  async function preview(req: Request, res: Response, typed: string): Promise<PreviewView> {
    if (!typed.trim()) return previewView(typed, undefined, currency, Boolean(req.user), 0);
    const { quote, wallet: summary } = await quoteForUser({ rates, wallet }, req.user, typed);
    // Visitors pick their phone's country; a signed-in user's own leg is their verified phone's (or, unverified, said to be missing).
    return previewView(typed, quote, currency, Boolean(req.user), summary?.availableMicros ?? 0, req.user ? undefined : callerLeg(callerCountry(req, res)));
  }

  function callerOptions(selected: string) {
    return countryPrices(rates.rates()).map((c) => ({ iso: c.iso, label: `${c.flag} ${c.country}`, selected: c.iso === selected }));
  }

  return {
    /** The rates page: searchable country list and the cost preview; both work as plain GET forms without JS. */
    async show(req: Request, res: Response) {
      await rates.ready();
      const q = queryText(req.query.q);
      const number = queryText(req.query.number);
      res.render('pages/rates', { title: 'Rates', q, countries: countries(q), preview: await preview(req, res, number), callers: req.user ? null : callerOptions(callerCountry(req, res)) });
    },

    /** htmx: the country table for what has been typed so far. */
    async countryTable(req: Request, res: Response) {
      await rates.ready();
      const q = queryText(req.query.q);
      if (!isHtmx(req)) return res.redirect(303, `/rates?q=${encodeURIComponent(q)}`);
      res.render('partials/country-table', { q, countries: countries(q) });
    },

    /** htmx: "what does it cost" for the number typed so far. */
    async costPreview(req: Request, res: Response) {
      await rates.ready();
      const number = queryText(req.query.number);
      const from = queryText(req.query.from);
      if (!isHtmx(req)) return res.redirect(303, `/rates?number=${encodeURIComponent(number)}${from ? `&from=${encodeURIComponent(from)}` : ''}#cost`);
      res.render('partials/cost-preview', await preview(req, res, number));
    },
  };
}
