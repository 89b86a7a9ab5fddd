import type { Rate, RatingPolicy } from './rate.js';
import { defaultRatingPolicy } from './rate.js';

export type LegTariff = Pick<Rate, 'sellPerMinMicros' | 'firstIncrementS' | 'nextIncrementS' | 'connectionFeeMicros' | 'minimumChargeMicros'>;

/** Seconds actually billed for an answered leg of `seconds`: first block, then whole next blocks (rounded up). */
export function billedSeconds(tariff: LegTariff, seconds: number, policy: RatingPolicy = defaultRatingPolicy): number {
  if (!(seconds >= policy.minimumBillableSeconds) || seconds <= 0) return 0;
  const first = tariff.firstIncrementS;
  if (seconds <= first) return first;
  const next = tariff.nextIncrementS;
  return first + Math.ceil((seconds - first) / next) * next;
}

/**
 * What one answered leg of `seconds` costs, in micros. Unanswered legs are 0 s and cost nothing.
 * Fractions of a micro round up, so the charge is never below the published price.
 */
export function legCost(tariff: LegTariff, seconds: number, policy: RatingPolicy = defaultRatingPolicy): number {
  const billed = billedSeconds(tariff, seconds, policy);
  if (billed === 0) return 0;
  const talk = Math.ceil((billed * tariff.sellPerMinMicros) / 60);
  return Math.max(tariff.connectionFeeMicros + talk, tariff.minimumChargeMicros);
}

/** A call through us is two legs: we ring the user's own phone first, then bridge the destination. */
export interface CallTariffs {
  /** Rate of the user's own number (the first leg we place). */
  first: LegTariff;
  /** Rate of the destination (the bridged leg). */
  bridged: LegTariff;
}

/**
 * Cost of a call with `talkSeconds` of conversation. The first leg is up before the bridge, so it runs
 * `firstLegExtraSeconds` longer (the destination's ring time we allow for).
 */
export function callCost(tariffs: CallTariffs, talkSeconds: number, firstLegExtraSeconds = 0, policy: RatingPolicy = defaultRatingPolicy): number {
  if (talkSeconds <= 0) return 0;
  return legCost(tariffs.first, talkSeconds + firstLegExtraSeconds, policy) + legCost(tariffs.bridged, talkSeconds, policy);
}
