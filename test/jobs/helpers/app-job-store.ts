import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { AgendaBackend } from 'agenda';
import type { Db } from '../../../src/db/database.js';
import { createJobBackend } from '../../../src/jobs/job-store.js';
import { createTestDb } from '../../helpers/db.js';

export const appDatabaseUrl = process.env.DATABASE_URL;
/** The app's own job store is PostgreSQL's only when the app's database is (JOBS_STORE=auto). */
export const onPostgres = Boolean(appDatabaseUrl?.startsWith('postgres'));

export interface AppJobStore {
  /** The app's knex instance (unmigrated): the one the job store reports its statements on. */
  db: Db;
  /** The job store's throw-away table. */
  table: string;
  /** A backend as the scheduler builds it (createJobBackend, JOBS_STORE=auto), on `table`; run() disconnects it. */
  backend(): AgendaBackend;
}

/**
 * Runs `run` with the app's PostgreSQL job store on a table of its own, then disconnects every backend it made,
 * drops the table and the test database, whether `run` passed or not.
 */
export async function withAppJobStore(tablePrefix: string, run: (store: AppJobStore) => Promise<void>): Promise<void> {
  const table = `${tablePrefix}${randomBytes(4).toString('hex')}`;
  const testDb = await createTestDb({ migrate: false });
  const config = { jobs: { store: 'auto' as const, mongoUrl: undefined }, database: { client: 'postgres' as const, url: appDatabaseUrl! } };
  const backends: AgendaBackend[] = [];
  try {
    await run({
      db: testDb.db,
      table,
      backend: () => {
        const backend = createJobBackend({ config, db: testDb.db, collection: table });
        backends.push(backend);
        return backend;
      },
    });
  } finally {
    await Promise.all(backends.map((backend) => backend.disconnect().catch(() => undefined)));
    const client = new pg.Client({ connectionString: appDatabaseUrl });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
    await client.end();
    await testDb.destroy();
  }
}
