import { describe, expect, it } from 'vitest';
import { JOB_STORE_QUERY_EVENT } from '../../src/db/query-events.js';
import { AppMetrics } from '../../src/metrics/metrics.js';
import { onPostgres, withAppJobStore } from './helpers/app-job-store.js';

// The SQLite job store runs on the app's own connection, whose statements knex's events already report.
describe.runIf(onPostgres)("the PostgreSQL job store's statements are counted with the app's", () => {
  it("reports each statement of its own pool on the app's knex instance, and the metrics count them by kind", async () => {
    await withAppJobStore('agenda_jobs_count', async ({ db, table, backend: newBackend }) => {
      const seen: string[] = [];
      const onStatement = (sql: string) => seen.push(sql);
      db.on(JOB_STORE_QUERY_EVENT, onStatement);
      const metrics = new AppMetrics({} as never);
      const stopCounting = metrics.countStatements(db);
      try {
        const backend = newBackend();
        await backend.connect();
        await backend.repository.queryJobs({});
        expect(seen.some((sql) => sql.includes(table))).toBe(true);
        const counted = (await metrics.dbStatements.get()).values.reduce((sum, sample) => sum + sample.value, 0);
        expect(counted).toBeGreaterThanOrEqual(seen.length);
        const kinds = (await metrics.dbStatements.get()).values.map((sample) => sample.labels.kind);
        expect(kinds).toContain(`select ${table}`);
      } finally {
        stopCounting();
        db.off(JOB_STORE_QUERY_EVENT, onStatement);
      }
    });
  });
});
