import type { Request, Response } from 'express';
import { formatDuration, formatMoney, formatRate } from '../money/currency.js';
import { flagEmoji } from '../rating/phone.js';
import type { WalletService } from '../wallet/wallet-service.js';
import { countryPrices } from './country-list.js';
import type { Quote, RateDeckService } from './rate-deck-service.js';

export interface RatesRoutesDeps {
  rates: RateDeckService;
  wallet: WalletService;
  currency: string;
}

const MAX_QUERY = 60;

function queryText(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_QUERY) : '';
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';

/** What the preview fragment shows: a plain object, so the view does no arithmetic and no formatting. */
export interface PreviewView {
  typed: string;
  state: 'empty' | 'refused' | 'priced';
  message?: string;
  flag?: string;
  destination?: string;
  e164?: string;
  perMinute?: string;
  destinationPerMinute?: string;
  ownLegPerMinute?: string | undefined;
  /** Signed in without a verified phone: the leg to their phone cannot be priced yet. */
  ownLegUnknown?: boolean;
  longestCall?: string;
  available?: string;
  signedIn: boolean;
}

export function previewView(typed: string, quote: Quote | undefined, currency: string, signedIn: boolean, availableMicros: number): PreviewView {
  if (!quote) return { typed, state: 'empty', signedIn };
  if (!quote.ok) return { typed, state: 'refused', message: quote.message, signedIn };
  return {
    typed,
    state: 'priced',
    signedIn,
    flag: flagEmoji(quote.rate.iso),
    destination: quote.rate.description || quote.rate.country,
    e164: quote.e164,
    perMinute: formatRate(quote.perMinuteMicros, currency),
    destinationPerMinute: formatRate(quote.rate.sellPerMinMicros, currency),
    ownLegPerMinute: quote.firstLegRate ? formatRate(quote.firstLegRate.sellPerMinMicros, currency) : undefined,
    longestCall: formatDuration(quote.maxSeconds),
    available: formatMoney(availableMicros, currency),
    ownLegUnknown: signedIn && !quote.firstLegRate,
  };
}

export function ratesRoutes(deps: RatesRoutesDeps) {
  const { rates, wallet, currency } = deps;

  function countries(query: string) {
    return countryPrices(rates.rates(), query).map((c) => ({
      ...c,
      perMinute: formatRate(c.perMinuteMicros, currency),
      mobilePerMinute: c.mobilePerMinuteMicros === undefined ? undefined : formatRate(c.mobilePerMinuteMicros, currency),
    }));
  }

  async function preview(req: Request, typed: string): Promise<PreviewView> {
    if (!typed.trim()) return previewView(typed, undefined, currency, Boolean(req.user), 0);
    const summary = req.user ? await wallet.peek(req.user.id) : undefined;
    const quote = rates.quote({
      to: typed,
      from: req.user?.phoneVerifiedAt ? (req.user.phoneE164 ?? undefined) : undefined,
      availableMicros: summary?.availableMicros ?? 0,
      freeSeconds: summary?.freeSecondsAvailable ?? 0,
    });
    return previewView(typed, quote, currency, Boolean(req.user), summary?.availableMicros ?? 0);
  }

  return {
    /** The rates page: searchable country list and the cost preview; both work as plain GET forms without JS. */
    async show(req: Request, res: Response) {
      await rates.ready();
      const q = queryText(req.query.q);
      const number = queryText(req.query.number);
      res.render('pages/rates', { title: 'Rates', q, countries: countries(q), preview: await preview(req, number) });
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
      if (!isHtmx(req)) return res.redirect(303, `/rates?number=${encodeURIComponent(number)}#cost`);
      res.render('partials/cost-preview', await preview(req, number));
    },
  };
}
