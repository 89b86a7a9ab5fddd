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

/** The cost of a connected call once it has talked `fromS` seconds or more (until the next step). */
export interface CostStep {
  fromS: number;
  costMicros: number;
}

/** A connected call's price per minute (both legs) and its cost steps from now on. */
export interface LiveCost {
  perMinuteMicros: number;
  steps: CostStep[];
}

/** More steps than this are not sent to the page: the next status answer brings the rest. */
export const MAX_COST_STEPS = 240;

/**
 * What a connected call costs as it goes on: the charge settlement would make (priceCall) if the call ended after
 * t seconds of talk, the first leg `setupS` longer, never above the hold. One entry each time the charge changes,
 * from `fromS` on, up to the talk limit; pure, so the page can tick it with its clock and ask for nothing.
 */
export function costSteps(
  terms: { tariffs: CallTariffs; freeSeconds: number; amountMicros: number },
  setupS: number,
  talkLimitS: number,
  price: (tariffs: CallTariffs, freeSeconds: number, legs: { firstLegSeconds: number; bridgedSeconds: number }) => { cost: number },
  fromS = 0,
): CostStep[] {
  const at = (t: number) => Math.min(price(terms.tariffs, terms.freeSeconds, { firstLegSeconds: t + setupS, bridgedSeconds: t }).cost, terms.amountMicros);
  const start = Math.max(0, Math.floor(fromS));
  const steps: CostStep[] = [{ fromS: start, costMicros: at(start) }];
  for (let t = start + 1; t <= talkLimitS && steps.length < MAX_COST_STEPS; t++) {
    const cost = at(t);
    if (cost !== steps[steps.length - 1]!.costMicros) steps.push({ fromS: t, costMicros: cost });
  }
  return steps;
}
