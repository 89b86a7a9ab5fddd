/**
 * Admin console benchmarks (run: npx tsx bench/admin.bench.ts). Targets from issue #10:
 *   the rates admin's first page on a 50,000-row deck < 100 ms · import preview of 50,000 rows < 3 s.
 * The page is timed end to end through the app (session, query, render), the median of 20 requests; the preview
 * is the upload's work (stream to disk, parse and validate every row, store the preview) plus the preview page
 * (compare with the current deck, render). SQLite file database, as in production by default; PostgreSQL when
 * DATABASE_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { argon2Hasher } from '../src/accounts/passwords.js';
import { buildApp } from '../src/app.js';
import { composeServices } from '../src/services.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config/config.js';
import { createDb, migrateToLatest, type Db } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { parseDeck } from '../src/rates/parse-deck.js';
import { replaceAllRates } from '../src/rates/rate-repository.js';
import { syntheticDeckCsv } from './synthetic-deck.js';

const ROWS = 50_000;

interface Result {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

/** SQLite by default; with DATABASE_URL, a throw-away PostgreSQL schema (dropped afterwards). */
async function benchDb(): Promise<{ db: Db; engine: string; destroy(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = createDb({ client: 'sqlite', file: join(mkdtempSync(join(tmpdir(), 'admin-bench-')), 'bench.sqlite') });
    return { db, engine: 'SQLite', destroy: () => db.destroy() };
  }
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const root = createDb({ client: 'postgres', url });
  await root.raw(`CREATE SCHEMA ${schema}`);
  const db = createDb({ client: 'postgres', url }, { searchPath: schema });
  return {
    db,
    engine: 'PostgreSQL',
    destroy: async () => {
      await db.destroy();
      await root.raw(`DROP SCHEMA ${schema} CASCADE`);
      await root.destroy();
    },
  };
}

export async function runAdminBench(): Promise<Result[]> {
  const { db, engine, destroy } = await benchDb();
  try {
    await migrateToLatest(db);
    const csv = syntheticDeckCsv(ROWS);
    const parsed = await parseDeck({ text: csv });
    if (!parsed.ok) throw new Error('synthetic deck invalid');
    await replaceAllRates(db, parsed.rates, systemClock);
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    const { app, services } = buildApp(await composeServices(config, { db, sessionSecret: 'bench-session-secret-that-is-long-enough', logger: createLogger('silent'), hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }), telephony: null, jobs: null, stripe: false }));
    await services.money.rates.reload();
    await services.accounts.ensureAdmin('bench@example.com', 'bench password 123');
    const agent = request.agent(app);
    const login = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1]!;
    await agent.post('/login').type('form').send({ _csrf: csrf, email: 'bench@example.com', password: 'bench password 123' });

    const page = async (url: string) => {
      for (let i = 0; i < 3; i++) await agent.get(url); // warm-up: template compile, statement cache
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const { ms, value } = await timed(() => agent.get(url));
        if (value.status !== 200 || !value.text.includes('<tr id="rate-')) throw new Error(`${url}: ${value.status}`);
        times.push(ms);
      }
      return median(times);
    };
    const firstPage = await page('/admin/rates');
    const searched = await page('/admin/rates?q=united');
    const sorted = await page('/admin/rates?sort=sell&dir=desc&page=500');

    // A file that differs from the deck: every 10th price changed, so the preview has real work to show.
    const changed = csv.split('\n').map((line, i) => (i > 0 && i % 10 === 0 ? line.replace(/,(\d+\.\d+),/, (_m, p: string) => `,${(Number(p) + 0.01).toFixed(4)},`) : line)).join('\n');
    const form = await agent.get('/admin/rates/import');
    const token = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const upload = await timed(() => agent.post('/admin/rates/import').field('_csrf', token).attach('deck', Buffer.from(changed), 'bench.csv'));
    if (upload.value.status !== 303) throw new Error(`import upload: ${upload.value.status} ${upload.value.text.slice(0, 300)}`);
    const preview = await timed(() => agent.get(upload.value.headers.location!));
    if (!preview.value.text.includes('Import preview')) throw new Error('no preview');
    const previewMs = upload.ms + preview.ms;
    return [
      { name: `rates admin first page, ${ROWS}-row deck on ${engine} (GET /admin/rates, median of 20)`, value: round(firstPage), unit: 'ms', target: '< 100', ok: firstPage < 100 },
      { name: '  searched (q=united)', value: round(searched), unit: 'ms', target: '-', ok: true },
      { name: '  sorted by price, page 500', value: round(sorted), unit: 'ms', target: '-', ok: true },
      { name: `import preview of ${ROWS} rows on ${engine} (upload + check + store + compare + page)`, value: round(previewMs / 1000), unit: 's', target: '< 3', ok: previewMs < 3000 },
      { name: '  of which upload and check', value: round(upload.ms / 1000), unit: 's', target: '-', ok: true },
    ];
  } finally {
    await destroy();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export async function adminBench(): Promise<void> {
  const results = await runAdminBench();
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value.toLocaleString('en-US')} ${r.unit} (target ${r.target})`);
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (figures drop when the machine is busy)`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await adminBench();
