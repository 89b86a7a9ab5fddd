import type { NextFunction, Request, Response } from 'express';
import { formatMoney } from '../money/currency.js';
import { lowBalanceBanner } from './low-balance.js';
import type { Ledger } from '../ledger/ledger.js';

/**
 * Puts the low-balance banner on every full page for a signed-in user: one indexed read of the wallet row
 * (no lock, no insert), skipped for htmx fragments and non-GET requests, which never render the layout.
 */
export function lowBalanceBannerMiddleware(deps: { wallet: Pick<Ledger, 'balance'>; thresholdMicros: number; currency: string }) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!req.user || req.method !== 'GET' || req.get('hx-request') === 'true' || deps.thresholdMicros <= 0) return next();
    // The balance, not what is free of holds: a live call holds its longest possible cost, and warning "running low"
    // in the middle of every call would cry wolf; the call's real cost shows once it is settled.
    const balance = await deps.wallet.balance(req.user.id);
    // Admins run the service; one who never had a wallet is not a caller short of credit.
    const makesCalls = balance !== undefined || req.user.role !== 'admin';
    const available = balance ?? 0;
    const banner = lowBalanceBanner({ availableMicros: available }, deps.thresholdMicros, { makesCalls });
    if (!banner.show) return next();
    // The layout prints res.locals.banners as HTML; other features may have put their own banner there already.
    req.app.render('partials/low-balance', { kind: banner.kind, available: formatMoney(banner.availableMicros, deps.currency) }, (err, html) => {
      if (err) return next(err);
      res.locals.banners = `${String(res.locals.banners ?? '')}${html}`;
      next();
    });
  };
}
