import { callCost, type CallTariffs } from './leg-cost.js';
import { defaultRatingPolicy, type RatingPolicy } from './rate.js';

export interface MaxSecondsOptions {
  firstLegExtraSeconds?: number;
  policy?: RatingPolicy;
}

/**
 * The longest talk time `balanceMicros` pays for on a two-leg call, both legs billed: the largest t with
 * callCost(t) <= balance, capped at policy.maxCallSeconds. callCost is a non-decreasing step function that only
 * rises just after increment boundaries, so the answer always lands on a whole increment (rounded down) and
 * a binary search over seconds is exact: cost(t) <= B < cost(t + 1).
 */
export function maxTalkSeconds(tariffs: CallTariffs, balanceMicros: number, options: MaxSecondsOptions = {}): number {
  const extra = options.firstLegExtraSeconds ?? 0;
  const policy = options.policy ?? defaultRatingPolicy;
  const cost = (t: number) => callCost(tariffs, t, extra, policy);
  if (balanceMicros < 0) return 0;
  let low = 0; // cost(0) = 0 <= balance always holds
  let high = policy.maxCallSeconds;
  if (cost(high) <= balanceMicros) return high;
  // Invariant: cost(low) <= balance < cost(high).
  while (high - low > 1) {
    const mid = low + Math.floor((high - low) / 2);
    if (cost(mid) <= balanceMicros) low = mid;
    else high = mid;
  }
  return low;
}
