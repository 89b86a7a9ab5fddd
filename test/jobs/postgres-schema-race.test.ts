import { describe, expect, it } from 'vitest';
import { onPostgres, withAppJobStore } from './helpers/app-job-store.js';

// Instances racing on one PostgreSQL schema: nothing to race on SQLite (one process owns the file's job store).
describe.runIf(onPostgres)('several instances starting at once on PostgreSQL', () => {
  it('all connect to the job store, whose schema is created once, one after the other', async () => {
    await withAppJobStore('agenda_jobs_race', async (store) => {
      const backends = Array.from({ length: 6 }, () => store.backend());
      const results = await Promise.allSettled(backends.map((backend) => backend.connect()));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
      expect(failures).toEqual([]);
    });
  });
});
