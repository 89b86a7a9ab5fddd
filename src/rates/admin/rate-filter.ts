import { pageParam } from '../../http/pagination.js';

/** The rates admin's selection: search, filters, sort and page, parsed strictly from the query string. */
export interface RateFilter {
  q: string;
  status: 'all' | 'enabled' | 'disabled';
  belowCost: boolean;
  mobile: boolean;
  sort: RateSort;
  dir: 'asc' | 'desc';
  page: number;
}

export const RATE_SORTS = ['prefix', 'country', 'sell'] as const;
export type RateSort = (typeof RATE_SORTS)[number];

const MAX_QUERY = 60;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim().slice(0, MAX_QUERY) : '';
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** A page number as typed in a URL: digits only; anything else is page 1. */
export function parseRateFilter(query: Record<string, unknown>): RateFilter {
  return {
    q: text(query.q),
    status: oneOf(query.status, ['all', 'enabled', 'disabled'] as const, 'all'),
    belowCost: query.below_cost === '1',
    mobile: query.mobile === '1',
    sort: oneOf(query.sort, RATE_SORTS, 'prefix'),
    dir: oneOf(query.dir, ['asc', 'desc'] as const, 'asc'),
    page: pageParam(query.page),
  };
}

/** The filter as query-string pairs (for links, the export and the markup tool), without defaults. */
export function filterParams(filter: RateFilter, overrides: Partial<RateFilter> = {}): string {
  const f = { ...filter, ...overrides };
  const params = new URLSearchParams();
  if (f.q) params.set('q', f.q);
  if (f.status !== 'all') params.set('status', f.status);
  if (f.belowCost) params.set('below_cost', '1');
  if (f.mobile) params.set('mobile', '1');
  if (f.sort !== 'prefix') params.set('sort', f.sort);
  if (f.dir !== 'asc') params.set('dir', f.dir);
  if (f.page !== 1) params.set('page', String(f.page));
  return params.toString();
}

/** What the search box may mean: digits are a prefix, two letters an ISO code, anything a name or description. */
export function searchTerms(q: string): { digits: string | undefined; iso: string | undefined; words: string } {
  const compact = q.replace(/[\s()-]/g, '').replace(/^\+/, '');
  return {
    digits: /^\d{1,15}$/.test(compact) ? compact : undefined,
    iso: /^[a-z]{2}$/i.test(q) ? q.toUpperCase() : undefined,
    words: q,
  };
}
