import type { PayingAccountOf } from '../accounts/request-paying-account.js';
import type { Request } from 'express';
import { formatMoney } from '../money/currency.js';
import { renderPartial } from '../http/page-banners.js';
import { lowBalanceBanner as lowBalance } from './low-balance.js';
import type { Ledger } from '../ledger/ledger.js';

/**
 * The low-balance banner for a signed-in user's full page: one indexed read of the wallet row (no lock, no insert),
 * made only when a page is shown (see src/http/page-banners.ts). The wallet is the one the user pays from
 * (`payingAccountOf`, resolved once per request and shared with the page's own routes): a user paying from a funded
 * team is not short of credit, whatever their personal wallet holds.
 */
export function lowBalanceBannerSource(deps: { wallet: Pick<Ledger, 'balance'>; payingAccountOf?: PayingAccountOf; thresholdMicros: number; currency: string }) {
  return async (req: Request): Promise<string | undefined> => {
    if (!req.user || deps.thresholdMicros <= 0) return undefined;
    // The balance, not what is free of holds: a live call holds its longest possible cost, and warning "running low"
    // in the middle of every call would cry wolf; the call's real cost shows once it is settled.
    const balance = await deps.wallet.balance(deps.payingAccountOf ? { accountId: (await deps.payingAccountOf(req)).accountId } : req.user.id);
    // Admins run the service; one who never had a wallet is not a caller short of credit.
    const makesCalls = balance !== undefined || req.user.role !== 'admin';
    const available = balance ?? 0;
    const banner = lowBalance({ availableMicros: available }, deps.thresholdMicros, { makesCalls });
    if (!banner.show) return undefined;
    return renderPartial(req, 'partials/low-balance', { kind: banner.kind, available: formatMoney(banner.availableMicros, deps.currency) });
  };
}
