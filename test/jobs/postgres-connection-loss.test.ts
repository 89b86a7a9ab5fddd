import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobBackend } from '../../src/jobs/job-store.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from './helpers/wait.js';

const url = process.env.DATABASE_URL;
// The job store's own pg connections exist only with the PostgreSQL store; SQLite's is knex's, in this process.
const onPostgres = Boolean(url?.startsWith('postgres'));

/** Terminates the server sessions of `applicationName` that `where` picks; answers how many there were. */
async function terminate(admin: pg.Client, applicationName: string, where: string): Promise<number> {
  const { rows } = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and ${where}`, [applicationName]);
  return rows.length;
}

describe.runIf(onPostgres)('the PostgreSQL job store when the database drops its connections', () => {
  const table = `agenda_jobs_loss${randomBytes(4).toString('hex')}`;
  // Named, so the test terminates the job store's sessions and no one else's.
  const applicationName = `callbridge_jobs_${randomBytes(4).toString('hex')}`;
  const config = { jobs: { store: 'auto' as const, mongoUrl: undefined }, database: { client: 'postgres' as const, url: `${url}${url?.includes('?') ? '&' : '?'}application_name=${applicationName}` } };
  let admin: pg.Client | undefined;
  let testDb: TestDb | undefined;
  afterEach(async () => {
    await admin?.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    await admin?.end();
    await testDb?.destroy();
  });

  it('reports a lost idle connection instead of crashing, and keeps working on a new one', async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    testDb = await createTestDb({ migrate: false });
    const errors: Error[] = [];
    const backend = createJobBackend({ config, db: testDb.db, collection: table, onConnectionError: (error) => errors.push(error) });
    await backend.connect();
    try {
      // The LISTEN connection is Agenda's own business (it reconnects itself); the pool's idle ones are ours to watch.
      expect(await terminate(admin, applicationName, `state = 'idle' and query not ilike 'listen%'`)).toBeGreaterThan(0);
      await waitFor(() => errors.length > 0, 'the job store to report the lost connection');
      expect(errors.map((e) => e.message)).toContain('terminating connection due to administrator command');
      expect(await backend.repository.queryJobs({})).toMatchObject({ total: 0 });
    } finally {
      await backend.disconnect();
    }
  });

  it('fails a connect whose schema-lock connection is lost while it waits, with the database\'s reason', async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    testDb = await createTestDb({ migrate: false });
    // Another instance is creating the schema: this connect waits for the advisory lock...
    await admin.query('select pg_advisory_lock($1)', [7_305_231_045_112_001]);
    const backend = createJobBackend({ config, db: testDb.db, collection: table, onConnectionError: () => undefined });
    const connecting = backend.connect();
    connecting.catch(() => undefined);
    let waiting = 0;
    await waitFor(async () => (waiting = await terminate(admin!, applicationName, `wait_event_type = 'Lock'`)) > 0, 'the connect to wait for the schema lock');
    expect(waiting, 'the connect waited for the lock').toBe(1);
    // ...and its connection is dropped while it waits.
    await expect(connecting).rejects.toThrow('terminating connection due to administrator command');
    await admin.query('select pg_advisory_unlock($1)', [7_305_231_045_112_001]);
    await backend.disconnect().catch(() => undefined);
  });
});
