import type { WalletSummary } from '../ledger/ledger.js';

/**
 * What the credit banner says: `empty` invites a user with nothing to spend to add credit (a new account starts
 * there), `low` warns that credit is running out, `none` shows nothing.
 */
export type LowBalanceKind = 'none' | 'empty' | 'low';

export interface LowBalanceBanner {
  show: boolean;
  kind: LowBalanceKind;
  availableMicros: number;
  thresholdMicros: number;
}

/**
 * The banner shows when what a new call could use falls below the threshold (LOW_BALANCE_THRESHOLD), except for
 * an account that does not make calls (an admin who never had a wallet).
 */
export function lowBalanceBanner(summary: Pick<WalletSummary, 'availableMicros'>, thresholdMicros: number, account: { makesCalls: boolean } = { makesCalls: true }): LowBalanceBanner {
  const base = { availableMicros: summary.availableMicros, thresholdMicros };
  if (!account.makesCalls || thresholdMicros <= 0 || summary.availableMicros >= thresholdMicros) return { ...base, show: false, kind: 'none' };
  return { ...base, show: true, kind: summary.availableMicros <= 0 ? 'empty' : 'low' };
}
