import type { Request, Response } from 'express';
import type { MoneyServices } from '../calls/money-services.js';
import { ApiError } from './api-errors.js';
import { sendJson } from './api-http.js';
import { apiMoney, apiRate } from './api-money.js';
import { walletRefOf } from './api-account.js';

/** A query parameter given exactly once as text; repeated or missing reads the same. */
export function singleQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

function caller(req: Request) {
  return req.apiCaller!;
}

/** GET /api/v1/rates and /api/v1/wallet: the same figures as the /rates preview and the wallet page. */
export function apiMoneyHandlers(deps: { money: MoneyServices; freeMinutesPerMonth: number }) {
  const { money } = deps;
  const currency = money.currency;

  return {
    async rates(req: Request, res: Response) {
      const to = singleQuery(req, 'to')?.trim();
      if (!to) throw new ApiError('invalid_request', 'Give the number to price once, as ?to=+442079460958.');
      if (to.length > 40) throw new ApiError('invalid_request', 'The number in "to" is too long.');
      await money.rates.ready();
      const { user } = caller(req);
      const summary = await money.wallet.peek(walletRefOf(req));
      const from = user.phoneVerifiedAt ? (user.phoneE164 ?? undefined) : undefined;
      const quote = money.rates.quote({ to, from, availableMicros: summary.availableMicros, freeSeconds: summary.freeSecondsAvailable });
      if (!quote.ok) throw new ApiError('destination_refused', quote.message);
      sendJson(res, {
        to: quote.e164,
        destination: { country: quote.rate.country, iso: quote.rate.iso, description: quote.rate.description || quote.rate.country },
        perMinute: apiRate(quote.perMinuteMicros, currency),
        destinationLegPerMinute: apiRate(quote.rate.sellPerMinMicros, currency),
        ownLegPerMinute: quote.firstLegRate ? apiRate(quote.firstLegRate.sellPerMinMicros, currency) : null,
        longestCallSeconds: quote.maxSeconds,
        available: apiMoney(summary.availableMicros, currency),
      });
    },

    async wallet(req: Request, res: Response) {
      // The token's account: a team token reads the team's wallet.
      const summary = await money.wallet.peek(walletRefOf(req));
      sendJson(res, {
        balance: apiMoney(summary.balanceMicros, currency),
        held: apiMoney(summary.heldMicros, currency),
        available: apiMoney(summary.availableMicros, currency),
        freeMinutesLeft: Math.floor(summary.freeSecondsAvailable / 60),
        freeSecondsLeft: summary.freeSecondsAvailable,
        freeMinutesPerMonth: deps.freeMinutesPerMonth,
      });
    },
  };
}
