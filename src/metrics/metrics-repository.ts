import type { Db } from '../db/database.js';
import { openHoldTotals } from '../ledger/ledger-reads.js';
import type { MetricsSources } from './metrics.js';

/** The scrape-time counts; each is one aggregate over an indexed column, run only when /metrics is scraped. */
export function metricsSources(db: Db): MetricsSources {
  return {
    openHolds: () => openHoldTotals(db),
    async callsByState() {
      // Calls not yet settled (live, ending, or waiting for reconciliation): the (settled_at, ...) index finds them.
      const rows: { status: string; n: number | string }[] = await db('calls').whereNull('settled_at').select('status').count({ n: '*' }).groupBy('status');
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
