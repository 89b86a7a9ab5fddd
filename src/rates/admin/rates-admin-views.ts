import { formatRate } from '../../money/currency.js';
import { flagEmoji } from '../../rating/phone.js';
import { RATE_SORTS, filterParams, type RateFilter } from './rate-filter.js';
import type { RateRow } from './rates-admin-repository.js';

/** A rate as the admin table shows it: formatted here so the view does no arithmetic. */
export interface RateRowView {
  id: number;
  prefix: string;
  iso: string;
  flag: string;
  country: string;
  description: string;
  sell: string;
  cost: string;
  margin: string;
  increments: string;
  enabled: boolean;
  belowCost: boolean;
}

export function rateRowView(rate: RateRow, currency: string): RateRowView {
  const margin = rate.sellPerMinMicros - rate.costPerMinMicros;
  return {
    id: rate.id,
    prefix: rate.prefix,
    iso: rate.iso,
    flag: flagEmoji(rate.iso),
    country: rate.country,
    description: rate.description,
    sell: formatRate(rate.sellPerMinMicros, currency),
    cost: formatRate(rate.costPerMinMicros, currency),
    margin: `${margin < 0 ? '−' : ''}${formatRate(Math.abs(margin), currency)}`,
    increments: `${rate.firstIncrementS}/${rate.nextIncrementS}`,
    enabled: rate.enabled,
    belowCost: margin < 0,
  };
}

/** Column headers that sort: each links to its own sort, flipping the direction when already sorted by it. */
export function sortLinks(filter: RateFilter) {
  return Object.fromEntries(
    RATE_SORTS.map((sort) => {
      const active = filter.sort === sort;
      const dir = active && filter.dir === 'asc' ? 'desc' : 'asc';
      return [sort, { href: `/admin/rates?${filterParams(filter, { sort, dir, page: 1 })}`, aria: active ? (filter.dir === 'asc' ? 'ascending' : 'descending') : 'none' }];
    }),
  ) as Record<(typeof RATE_SORTS)[number], { href: string; aria: string }>;
}
