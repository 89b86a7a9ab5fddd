import type { NextFunction, Request, Response } from 'express';
import type { User } from '../accounts/users-repository.js';
import { countryPrices, type CountryPrice } from '../rates/country-list.js';
import { asksCallerCountry, callerCountry, callerLeg, callerOptions } from '../rates/caller-country.js';
import { quoteForUser } from '../rates/cost-preview.js';
import type { RateDeckService } from '../rates/rate-deck-service.js';
import type { Ledger } from '../ledger/ledger.js';
import type { PayingAccount, PayingAccounts } from '../accounts/paying-account.js';
import { HttpError } from '../http/errors.js';
import type { ContactCard } from '../contacts/contact-view.js';
import { countryOptions, countryParam, defaultCountry, dialPreviewView, liveCallLinks, queryText, type DialPreviewView, type LiveCall } from './dial-view.js';

export interface DialRoutesDeps {
  rates: RateDeckService;
  wallet: Ledger;
  currency: string;
  /** The user's call that has not ended yet, if any (the calls feature's liveCallFor). */
  liveCall: (userId: number) => Promise<LiveCall | null>;
  /** ISO alpha-2 country of the user's last call, if any (the calls feature's lastDestinationCountry). */
  lastCountry: (userId: number) => Promise<string | null>;
  /** The address book on the dial page: search results (?cq=, the form without JavaScript), favourites, and the name of the number being called. */
  contacts?: {
    search: (book: AddressBook, query: string) => Promise<ContactCard[]>;
    favourites: (book: AddressBook) => Promise<ContactCard[]>;
    nameFor: (book: AddressBook, typed: string) => Promise<string | undefined>;
  };
  /**
   * The accounts the user may pay from ("Pay from" on the dial page, only with more than one) and the one this request
   * pays from (`chosenFor`: resolved once per request, see src/accounts/request-paying-account.ts).
   */
  payers?: Pick<PayingAccounts, 'accountsOf' | 'choose'> & { chosenFor: (req: Request) => Promise<PayingAccount> };
}

/** Whose address book the dial page reads: the user acting in the account they pay from (their own without payers). */
export interface AddressBook {
  userId: number;
  accountId?: number;
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';

/** Event the country search fires when it changed the picked country, so the preview re-prices the typed number. */
const COUNTRY_CHANGED = 'dial-country-changed';

export function dialRoutes(deps: DialRoutesDeps) {
  const { rates, wallet, currency, liveCall, lastCountry } = deps;

  /** The picker's countries for a search: the matches, or every country (with a note) when nothing matches. */
  function picker(all: CountryPrice[], q: string, wanted: string) {
    const matches = q.trim() ? countryPrices(rates.rates(), q) : all;
    const shown = matches.length > 0 ? matches : all;
    // A search that hides the picked country picks its first match instead, so what is shown is what is sent.
    const selected = shown.some((c) => c.iso === wanted) ? wanted : (shown[0]?.iso ?? wanted);
    const searchMessage = !q.trim() ? '' : matches.length === 0 ? `No country matches “${q}”: showing all.` : `${matches.length} ${matches.length === 1 ? 'country matches' : 'countries match'} “${q}”.`;
    return { q, selected, searchMessage, countries: countryOptions(shown, selected, currency) };
  }

  /** Priced against the account that will pay (`paying`): the chosen team's wallet, or the user's own. */
  async function preview(user: User, paying: PayingAccount | undefined, typed: string, country: string | undefined, live: LiveCall | null, from?: string): Promise<DialPreviewView> {
    if (!typed.trim()) return dialPreviewView({ typed, user, liveCall: live, quote: undefined, availableMicros: 0, currency });
    const payFrom = paying ? { accountId: paying.accountId } : undefined;
    const { quote, wallet: summary } = await quoteForUser({ rates, wallet }, user, typed, country, payFrom);
    const leg = from ? callerLeg(rates, from) : undefined;
    return dialPreviewView({ typed, user, liveCall: live, quote, availableMicros: summary?.availableMicros ?? 0, currency, callerLeg: leg });
  }

  /** "Your phone is in" for a user whose phone is not verified: the picked country only; the list comes on demand. */
  function callerPicker(from: string) {
    const picked = callerOptions(rates, from).filter((c) => c.selected);
    return { options: picked, lazyUrl: `/dial/countries?${new URLSearchParams({ list: 'callers', from }).toString()}` };
  }

  /** The "Pay from" choice: only for a user who belongs to more than one account. */
  async function payFromView(user: User, chosen: PayingAccount | undefined) {
    if (!deps.payers || !chosen) return undefined;
    const accounts = await deps.payers.accountsOf(user.id);
    if (accounts.length < 2) return undefined;
    return { options: accounts.map((a) => ({ id: a.accountId, label: a.label, selected: a.accountId === chosen.accountId })), chosen: chosen.label };
  }

  return {
    /** POST /dial/pay-from: remembers the account to pay from; one the user is not a member of is not found. */
    async choosePayer(req: Request, res: Response) {
      const raw = typeof req.body?.account === 'string' ? req.body.account : '';
      const accountId = /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
      if (!deps.payers || !(await deps.payers.choose(req.user!.id, accountId))) throw new HttpError(404, 'There is no such account to pay from.');
      res.redirect(303, '/');
    },

    /** GET / for a signed-in user; visitors fall through to the welcome page. */
    async show(req: Request, res: Response, next: NextFunction) {
      const user = req.user;
      if (!user) return next();
      await rates.ready();
      const [live, lastUsed, paying] = await Promise.all([liveCall(user.id), lastCountry(user.id), deps.payers?.chosenFor(req)]);
      const all = countryPrices(rates.rates());
      const offered = new Set(all.map((c) => c.iso));
      const country = defaultCountry(offered, { requested: countryParam(req.query.country), lastUsed, user });
      const q = queryText(req.query.q);
      const countries = picker(all, q, country);
      // Nothing searched: the page carries the picked country only and the list comes when the picker is reached
      // (245 options were two thirds of the page's HTML; issue #25's slow link). Find with an empty search (?q=,
      // the way without JavaScript) shows the whole list.
      const lazy = req.query.q === undefined && countries.countries.length > 1;
      const shownPicker = lazy
        ? { ...countries, countries: countries.countries.filter((c) => c.selected), lazy: { url: `/dial/countries?${new URLSearchParams({ list: 'all', country: countries.selected }).toString()}` } }
        : countries;
      const to = queryText(req.query.to);
      const from = asksCallerCountry(user) ? callerCountry(rates, req, res) : undefined;
      const cq = queryText(req.query.cq);
      const book = deps.contacts;
      const acting: AddressBook = paying ? { userId: user.id, accountId: paying.accountId } : { userId: user.id };
      const contacts = book
        ? await Promise.all([cq.trim() ? book.search(acting, cq) : [], book.favourites(acting), to ? book.nameFor(acting, to) : undefined]).then(([results, favourites, calling]) => ({ q: cq, results, favourites, calling }))
        : undefined;
      res.render('pages/dial', {
        contacts,
        payFrom: await payFromView(user, paying),
        title: 'Call',
        // app.css has all this page shows; the other pages' stylesheet would be a second download on a slow link.
        lightPage: true,
        // Its first line says what the footer says (your phone rings first): the footer is left out.
        saysHowCallsWork: true,
        to,
        country: countries.selected,
        picker: shownPicker,
        noRates: offered.size === 0,
        liveCall: live ? liveCallLinks(live) : undefined,
        caller: from ? callerPicker(from) : undefined,
        preview: await preview(user, paying, to, countries.selected, live, from),
      });
    },

    /** htmx: the country picker narrowed to what has been typed in the search box; with list=all, every option. */
    async countryPicker(req: Request, res: Response) {
      const q = queryText(req.query.q);
      const wanted = countryParam(req.query.country) ?? '';
      if (!isHtmx(req)) return res.redirect(303, `/?${new URLSearchParams({ q, country: wanted }).toString()}`);
      await rates.ready();
      const countries = picker(countryPrices(rates.rates()), q, wanted);
      // The lazy picker's whole list: options only, the picked one still picked.
      if (req.query.list === 'all') return res.render('partials/dial-country-options', countries);
      if (req.query.list === 'callers') return res.render('partials/caller-options', { options: callerOptions(rates, callerCountry(rates, req, res)) });
      if (countries.selected !== wanted) res.set('HX-Trigger-After-Settle', COUNTRY_CHANGED);
      res.render('partials/dial-country-picker', countries);
    },

    /** htmx: what calling the typed number would cost, or why it cannot be called. Reads only; never writes. */
    async preview(req: Request, res: Response) {
      const user = req.user!;
      const to = queryText(req.query.to);
      const country = countryParam(req.query.country);
      if (!isHtmx(req)) return res.redirect(303, `/?${new URLSearchParams({ to, country: country ?? '' }).toString()}`);
      const from = asksCallerCountry(user) ? callerCountry(rates, req, res) : undefined;
      const paying = to.trim() ? await deps.payers?.chosenFor(req) : undefined;
      res.render('partials/dial-preview', await preview(user, paying, to, country, to.trim() ? await liveCall(user.id) : null, from));
    },
  };
}
