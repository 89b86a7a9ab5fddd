import type { Rate } from '../../rating/rate.js';

export interface DeckDiff {
  added: Rate[];
  changed: { before: Rate; after: Rate }[];
  removed: Rate[];
  unchanged: number;
}

const sameRate = (a: Rate, b: Rate) =>
  a.iso === b.iso &&
  a.country === b.country &&
  a.description === b.description &&
  a.sellPerMinMicros === b.sellPerMinMicros &&
  a.costPerMinMicros === b.costPerMinMicros &&
  a.firstIncrementS === b.firstIncrementS &&
  a.nextIncrementS === b.nextIncrementS &&
  a.connectionFeeMicros === b.connectionFeeMicros &&
  a.minimumChargeMicros === b.minimumChargeMicros &&
  a.enabled === b.enabled;

/** What replacing `current` with `incoming` would do, row by prefix; each list in prefix order. */
export function diffDecks(current: readonly Rate[], incoming: readonly Rate[]): DeckDiff {
  const byPrefix = new Map(current.map((r) => [r.prefix, r]));
  const diff: DeckDiff = { added: [], changed: [], removed: [], unchanged: 0 };
  const seen = new Set<string>();
  for (const rate of incoming) {
    seen.add(rate.prefix);
    const before = byPrefix.get(rate.prefix);
    if (!before) diff.added.push(rate);
    else if (sameRate(before, rate)) diff.unchanged++;
    else diff.changed.push({ before, after: rate });
  }
  for (const rate of current) if (!seen.has(rate.prefix)) diff.removed.push(rate);
  const byPrefixOrder = (a: Rate, b: Rate) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0);
  diff.added.sort(byPrefixOrder);
  diff.removed.sort(byPrefixOrder);
  diff.changed.sort((a, b) => byPrefixOrder(a.after, b.after));
  return diff;
}

type PackedRate = [string, string, string, string, number, number, number, number, number, number, 0 | 1];

/** Compact JSON for a stored preview: arrays, not objects (half the size for 50,000 rows). */
export function packRates(rates: readonly Rate[]): string {
  return JSON.stringify(
    rates.map((r): PackedRate => [
      r.prefix,
      r.iso,
      r.country,
      r.description,
      r.sellPerMinMicros,
      r.costPerMinMicros,
      r.firstIncrementS,
      r.nextIncrementS,
      r.connectionFeeMicros,
      r.minimumChargeMicros,
      r.enabled ? 1 : 0,
    ]),
  );
}

export function unpackRates(json: string): Rate[] {
  return (JSON.parse(json) as PackedRate[]).map(([prefix, iso, country, description, sell, cost, first, next, fee, minimum, enabled]) => ({
    prefix,
    iso,
    country,
    description,
    sellPerMinMicros: sell,
    costPerMinMicros: cost,
    firstIncrementS: first,
    nextIncrementS: next,
    connectionFeeMicros: fee,
    minimumChargeMicros: minimum,
    enabled: enabled === 1,
  }));
}
