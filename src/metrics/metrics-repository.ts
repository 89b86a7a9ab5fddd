import type { Db } from '../db/database.js';
import type { MetricsSources } from './metrics.js';

/** The scrape-time counts; each is one aggregate over an indexed column, run only when /metrics is scraped. */
export function metricsSources(db: Db): MetricsSources {
  return {
    async openHolds() {
      const row = await db('credit_holds').where({ status: 'open' }).first<{ count: number | string; held: number | string | null }>(
        db.raw('count(*) as count'),
        db.raw('coalesce(sum(amount_micros), 0) as held'),
      );
      return { count: Number(row?.count ?? 0), heldMicros: Number(row?.held ?? 0) };
    },
    async callsByState() {
      // Calls not yet settled (live, ending, or waiting for reconciliation): the (settled_at, ...) index finds them.
      const rows: { status: string; n: number | string }[] = await db('calls').whereNull('settled_at').select('status').count({ n: '*' }).groupBy('status');
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
