import pg from 'pg';

/**
 * PostgreSQL runs (DATABASE_URL set): each test worker gets a database of its own, `<database>_w<worker>`, created on
 * first use, and DATABASE_URL points there for the worker and every process it starts.
 *
 * Test files already keep their tables apart (createTestDb's throw-away schema), but a database holds more than its
 * schemas: LISTEN/NOTIFY channels and advisory locks (the job store's schema lock). One database per worker keeps two
 * files that run side by side from meeting there, so the PostgreSQL run can use every core instead of one file at a
 * time. `pg_stat_activity` still lists every database's sessions: a test that acts on it picks its own database.
 */
/** Where the URL the run was given is kept, so a worker's later files derive their database from it again. */
const GIVEN_URL = 'CALLBRIDGE_TEST_GIVEN_DATABASE_URL';

const serverUrl = process.env[GIVEN_URL] ?? process.env.DATABASE_URL;
const worker = process.env.VITEST_POOL_ID;
if (serverUrl?.startsWith('postgres') && worker) {
  process.env[GIVEN_URL] = serverUrl;
  const url = new URL(serverUrl);
  const database = `${url.pathname.slice(1) || 'postgres'}_w${worker}`;
  await ensureDatabase(serverUrl, database);
  url.pathname = `/${database}`;
  process.env.DATABASE_URL = url.toString();
}

async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return;
    await client.query(`create database "${database}"`).catch((error: { code?: string }) => {
      // Another run's worker of the same number made it a moment ago.
      if (error.code === '42P04') return;
      if (error.code === '42501') {
        throw new Error(`The tests use one database per worker, and DATABASE_URL's role may not create "${database}": grant it CREATEDB, or create ${database.replace(/_w\d+$/, '_w1')}, _w2... yourself.`);
      }
      throw error;
    });
  } finally {
    await client.end();
  }
}
