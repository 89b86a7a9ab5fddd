import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createJobBackend } from '../../src/jobs/job-store.js';
import { JOB_STORE_QUERY_EVENT } from '../../src/db/query-events.js';
import { AppMetrics } from '../../src/metrics/metrics.js';
import { createTestDb } from '../helpers/db.js';

const url = process.env.DATABASE_URL;
// The SQLite job store runs on the app's own connection, whose statements knex's events already report.
const onPostgres = Boolean(url?.startsWith('postgres'));

describe.runIf(onPostgres)("the PostgreSQL job store's statements are counted with the app's", () => {
  it("reports each statement of its own pool on the app's knex instance, and the metrics count them by kind", async () => {
    const table = `agenda_jobs_count${randomBytes(4).toString('hex')}`;
    const testDb = await createTestDb({ migrate: false });
    const seen: string[] = [];
    const onStatement = (sql: string) => seen.push(sql);
    testDb.db.on(JOB_STORE_QUERY_EVENT, onStatement);
    const metrics = new AppMetrics({} as never);
    const stopCounting = metrics.countStatements(testDb.db);
    const config = { jobs: { store: 'auto' as const, mongoUrl: undefined }, database: { client: 'postgres' as const, url: url! } };
    const backend = createJobBackend({ config, db: testDb.db, collection: table });
    try {
      await backend.connect();
      await backend.repository.queryJobs({});
      expect(seen.some((sql) => sql.includes(table))).toBe(true);
      const counted = (await metrics.dbStatements.get()).values.reduce((sum, sample) => sum + sample.value, 0);
      expect(counted).toBeGreaterThanOrEqual(seen.length);
      const kinds = (await metrics.dbStatements.get()).values.map((sample) => sample.labels.kind);
      expect(kinds).toContain(`select ${table}`);
    } finally {
      stopCounting();
      testDb.db.off(JOB_STORE_QUERY_EVENT, onStatement);
      await backend.disconnect().catch(() => undefined);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
      await client.end();
      await testDb.destroy();
    }
  });
});
