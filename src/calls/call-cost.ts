import { billedSeconds, legCost, type CallTariffs, type LegTariff } from '../rating/leg-cost.js';
import type { CostBreakdown, LegBreakdown } from './calls-repository.js';

/** Twilio bills us per started minute at the rate's cost price. */
function costTariff(tariff: LegTariff & { costPerMinMicros?: number }): LegTariff {
  return { sellPerMinMicros: tariff.costPerMinMicros ?? 0, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
}

function leg(tariff: LegTariff, seconds: number, paidSeconds: number): LegBreakdown {
  return {
    seconds,
    billedSeconds: billedSeconds(tariff, paidSeconds),
    paidSeconds,
    ratePerMinMicros: tariff.sellPerMinMicros,
    connectionFeeMicros: paidSeconds > 0 ? tariff.connectionFeeMicros : 0,
    costMicros: legCost(tariff, paidSeconds),
  };
}

/**
 * What each leg came to, the way priceCall (call-credit.ts) charges it: free seconds first cover the talk (and the
 * same span of the first leg), both legs are billed for the rest, and nothing at all when the destination never
 * answered (unless the own leg was charged). Then what the first leg cost us beyond any charge is recorded as uncollected.
 */
export function costBreakdown(
  tariffs: CallTariffs,
  legs: { firstLegSeconds: number; bridgedSeconds: number },
  settled: { chargedMicros: number; freeSecondsUsed: number; uncollectedMicros: number },
): CostBreakdown {
  const bridged = legs.bridgedSeconds > 0;
  const free = settled.freeSecondsUsed;
  // Not bridged: the own leg is paid only when the toll-fraud policy charged it (past the day's free attempts).
  const firstPaid = bridged ? Math.max(0, legs.firstLegSeconds - free) : settled.chargedMicros > 0 ? legs.firstLegSeconds : 0;
  const bridgedPaid = bridged ? Math.max(0, legs.bridgedSeconds - free) : 0;
  const unansweredCost = bridged ? 0 : Math.max(0, legCost(costTariff(tariffs.first as LegTariff & { costPerMinMicros?: number }), legs.firstLegSeconds) - settled.chargedMicros);
  return {
    firstLeg: leg(tariffs.first, legs.firstLegSeconds, firstPaid),
    bridgedLeg: leg(tariffs.bridged, legs.bridgedSeconds, bridgedPaid),
    freeSecondsUsed: free,
    chargedMicros: settled.chargedMicros,
    uncollectedMicros: unansweredCost + settled.uncollectedMicros,
  };
}
