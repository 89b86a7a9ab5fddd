import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { AgendaBackend } from 'agenda';
import { createJobBackend } from '../../src/jobs/job-store.js';
import { createTestDb } from '../helpers/db.js';

const url = process.env.DATABASE_URL;
// Instances racing on one PostgreSQL schema: nothing to race on SQLite (one process owns the file's job store).
const onPostgres = Boolean(url?.startsWith('postgres'));

describe.runIf(onPostgres)('several instances starting at once on PostgreSQL', () => {
  it('all connect to the job store, whose schema is created once, one after the other', async () => {
    const table = `agenda_jobs_race${randomBytes(4).toString('hex')}`;
    const testDb = await createTestDb({ migrate: false });
    const config = { jobs: { store: 'auto' as const, mongoUrl: undefined }, database: { client: 'postgres' as const, url: url! } };
    const backends: AgendaBackend[] = Array.from({ length: 6 }, () => createJobBackend({ config, db: testDb.db, collection: table }));
    try {
      const results = await Promise.allSettled(backends.map((backend) => backend.connect()));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      expect(failures).toEqual([]);
    } finally {
      await Promise.all(backends.map((backend) => backend.disconnect().catch(() => undefined)));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
      await client.end();
      await testDb.destroy();
    }
  });
});
