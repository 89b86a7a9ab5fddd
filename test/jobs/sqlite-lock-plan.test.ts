import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { lockJobSql, lockNextJobSql, saveStateSql } from '../../src/jobs/sqlite-backend/lock-sql.js';
import { whereUnique } from '../../src/jobs/sqlite-backend/job-filters.js';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';

/**
 * The lock runs once per due job before any of them starts (Agenda fills its queue first), so a full scan here
 * turns straight into lateness when many jobs fall due together. Guard the plan, not a timing.
 */
describe('SQLite job lock query plan', () => {
  let db: Db;
  beforeEach(async () => {
    db = createDb({ client: 'sqlite', file: ':memory:' });
    await migrateToLatest(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  const plan = async (sql: string, params: unknown[]) =>
    ((await db.raw(`EXPLAIN QUERY PLAN ${sql}`, params as never[])) as { detail: string }[]).map((row) => row.detail);

  it('finds the next due job by index seeks, never by scanning the jobs table', async () => {
    const details = await plan(lockNextJobSql('"scheduled_jobs"'), [1, 'w', 'n', 2, 'n', 3]);
    expect(details.filter((d) => d.includes('scheduled_jobs_due_idx')).length).toBeGreaterThanOrEqual(2);
    expect(details.filter((d) => /^SCAN scheduled_jobs\b/.test(d))).toEqual([]);
  });

  it("finds a call's hangup (the unique upsert on data.callId) by an index seek, not by reading every job's JSON", async () => {
    const query = db('scheduled_jobs').where('name', hangupCallJob).limit(1);
    whereUnique(query, { 'data.callId': 'CA-1' });
    const { sql, bindings } = query.toSQL().toNative();
    const details = await plan(sql, [...bindings]);
    // Both columns of the index: name alone would still read every pending hangup.
    expect(details.join(' ')).toContain('USING INDEX scheduled_jobs_call_id_idx (name=? AND <expr>=?)');
  });

  it('locks and saves a known job by primary key', async () => {
    for (const sql of [lockJobSql('"scheduled_jobs"'), saveStateSql('"scheduled_jobs"')]) {
      const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1);
      expect((await plan(sql, params)).join(' ')).toMatch(/USING INDEX sqlite_autoindex_scheduled_jobs_1|USING PRIMARY KEY/);
    }
  });
});
