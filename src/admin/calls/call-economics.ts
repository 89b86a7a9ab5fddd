import { legCost } from '../../rating/leg-cost.js';
import type { CostBreakdown, LegBreakdown } from '../../calls/calls-repository.js';

/** One leg as the admin sees it: what the user paid for it, what Twilio charges us, and the difference. */
export interface LegEconomics {
  seconds: number;
  sellMicros: number;
  costMicros: number;
  marginMicros: number;
}

interface StoredTariffs {
  tariffs?: { first?: { costPerMinMicros?: number }; bridged?: { costPerMinMicros?: number } };
}

/** Twilio bills us per started minute of each leg, free minutes or not, at the rate's cost price. */
export function ourLegCost(costPerMinMicros: number, seconds: number): number {
  return legCost({ sellPerMinMicros: costPerMinMicros, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 }, seconds);
}

function leg(leg: LegBreakdown, costPerMinMicros: number): LegEconomics {
  const cost = ourLegCost(costPerMinMicros, leg.seconds);
  return { seconds: leg.seconds, sellMicros: leg.costMicros, costMicros: cost, marginMicros: leg.costMicros - cost };
}

/**
 * Sell, cost and margin per leg of a settled call, from its cost breakdown (what we charged) and the tariffs its
 * credit hold priced it with (which carry the cost prices). Undefined until the call is settled.
 */
export function callEconomics(breakdown: CostBreakdown | null, tariffsJson: string | undefined): { first: LegEconomics; bridged: LegEconomics; total: LegEconomics } | undefined {
  if (!breakdown) return undefined;
  let stored: StoredTariffs = {};
  try {
    stored = tariffsJson ? (JSON.parse(tariffsJson) as StoredTariffs) : {};
  } catch {
    stored = {};
  }
  const first = leg(breakdown.firstLeg, stored.tariffs?.first?.costPerMinMicros ?? 0);
  const bridged = leg(breakdown.bridgedLeg, stored.tariffs?.bridged?.costPerMinMicros ?? 0);
  // Free minutes: the breakdown's leg amounts are before them; what was actually charged is chargedMicros.
  const sell = breakdown.chargedMicros;
  const cost = first.costMicros + bridged.costMicros;
  return { first, bridged, total: { seconds: first.seconds, sellMicros: sell, costMicros: cost, marginMicros: sell - cost } };
}
