import type { Request, Response } from 'express';
import { formatRate } from '../money/currency.js';
import type { Ledger } from '../ledger/ledger.js';
import { countryPrices } from './country-list.js';
import { asksCallerCountry, callerCountry, callerLeg, callerOptions } from './caller-country.js';
import { previewView, quoteForUser, type PreviewView } from './cost-preview.js';
import type { RateDeckService } from './rate-deck-service.js';

export interface RatesRoutesDeps {
  rates: RateDeckService;
  wallet: Ledger;
  currency: string;
}

const MAX_QUERY = 60;
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

  async function preview(req: Request, res: Response, typed: string): Promise<PreviewView> {
    if (!typed.trim()) return previewView(typed, undefined, currency, Boolean(req.user), 0);
    const { quote, wallet: summary } = await quoteForUser({ rates, wallet }, req.user, typed);
    // Visitors and users without a verified phone pick their phone's country; a verified phone prices its own leg.
    const leg = asksCallerCountry(req.user) ? callerLeg(rates, callerCountry(rates, req, res)) : undefined;
    return previewView(typed, quote, currency, Boolean(req.user), summary?.availableMicros ?? 0, leg);
  }

  return {
    /** The rates page: searchable country list and the cost preview; both work as plain GET forms without JS. */
    async show(req: Request, res: Response) {
      await rates.ready();
      const q = queryText(req.query.q);
      const number = queryText(req.query.number);
      res.render('pages/rates', { title: 'Rates', q, countries: countries(q), preview: await preview(req, res, number), callers: asksCallerCountry(req.user) ? callerOptions(rates, callerCountry(rates, req, res)) : null });
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
