import type { WalletSummary } from './wallet-service.js';

export interface LowBalanceBanner {
  show: boolean;
  availableMicros: number;
  thresholdMicros: number;
}

/** The banner shows when what a new call could use falls below the threshold (LOW_BALANCE_THRESHOLD). */
export function lowBalanceBanner(summary: Pick<WalletSummary, 'availableMicros'>, thresholdMicros: number): LowBalanceBanner {
  return { show: thresholdMicros > 0 && summary.availableMicros < thresholdMicros, availableMicros: summary.availableMicros, thresholdMicros };
}
