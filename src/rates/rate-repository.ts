import type { Clock } from '../clock.js';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { isSqlite, type Db } from '../db/database.js';
import type { Rate } from '../rating/rate.js';

/** A row of `rates` as the drivers return it (BIGINTs may come back as strings on PostgreSQL). */
export interface RateRecord {
  prefix: string;
  iso: string;
  country: string;
  description: string;
  sell_per_min_micros: number | string;
  cost_per_min_micros: number | string;
  first_increment_s: number;
  next_increment_s: number;
  connection_fee_micros: number | string;
  minimum_charge_micros: number | string;
  enabled: boolean | number;
}

export const RATE_COLUMNS = [
  'prefix',
  'iso',
  'country',
  'description',
  'sell_per_min_micros',
  'cost_per_min_micros',
  'first_increment_s',
  'next_increment_s',
  'connection_fee_micros',
  'minimum_charge_micros',
  'enabled',
] as const;
const COLUMNS = [...RATE_COLUMNS, 'created_at', 'updated_at'] as const;
/** Rows per INSERT: 13 columns × 1000 stays under SQLite's (32,766) and Postgres's (65,535) bound-parameter limits. */
const INSERT_CHUNK = 1000;

export async function loadRates(db: Db): Promise<Rate[]> {
  const records: RateRecord[] = await db('rates').select<RateRecord[]>(...RATE_COLUMNS);
  const intern = new Map<string, string>();
  // Thousands of rows repeat the same country name; sharing one string keeps the in-memory deck small.
  const shared = (s: string) => intern.get(s) ?? (intern.set(s, s), s);
  return records.map((r) => ({
    prefix: r.prefix,
    iso: shared(r.iso),
    country: shared(r.country),
    description: shared(r.description),
    sellPerMinMicros: Number(r.sell_per_min_micros),
    costPerMinMicros: Number(r.cost_per_min_micros),
    firstIncrementS: r.first_increment_s,
    nextIncrementS: r.next_increment_s,
    connectionFeeMicros: Number(r.connection_fee_micros),
    minimumChargeMicros: Number(r.minimum_charge_micros),
    enabled: Boolean(r.enabled),
  }));
}

export async function countRates(db: Db): Promise<number> {
  const row = await db('rates').count<{ n: number | string }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Replaces the whole deck in one transaction: readers see the old deck or the new one, never a mix.
 * 50,000 rows through knex's builder cost more than the database itself, so rows go in as one prepared
 * statement on SQLite and as hand-built multi-row INSERTs on Postgres.
 */
export async function replaceAllRates(db: Db, rates: readonly Rate[], clock: Clock): Promise<string> {
  const version = await db.transaction(async (trx) => {
    await replaceRatesIn(trx, rates, clock);
    return bumpRatesVersion(trx, clock);
  });
  await refreshRatesStatistics(db);
  return version;
}

/**
 * After the whole deck is replaced, PostgreSQL's planner still counts the old rows until autovacuum samples the
 * table, and may then sort the admin's pages instead of reading an index; ANALYZE samples it now (milliseconds).
 */
export async function refreshRatesStatistics(db: Db): Promise<void> {
  if (!isSqlite(db)) await db.raw('ANALYZE rates');
}

/** The rows of replaceAllRates, inside the caller's transaction (which must also bump the version). */
export async function replaceRatesIn(trx: Knex.Transaction, rates: readonly Rate[], clock: Clock): Promise<void> {
  const now = clock.now().toISOString();
  await trx('rates').delete();
  if (isSqlite(trx)) await withRateIndexesRebuilt(trx, () => insertWithPreparedStatement(trx, rates, now));
  else await insertInChunks(trx, rates, now);
}

/**
 * Runs a bulk insert with the rates table's indexes dropped, then creates them again from their own SQL, in the
 * caller's transaction. Each insert used to update five B-trees at random places (prefix, iso, the admin's country
 * and sell-price orders): past SQLite's page cache that cost grew faster than the deck. Building an index from the
 * finished table sorts once instead. Readers keep the old deck and its indexes until the commit.
 */
async function withRateIndexesRebuilt(trx: Knex.Transaction, insert: () => Promise<void>): Promise<void> {
  const indexes: { name: string; sql: string }[] = await trx.raw(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rates' AND sql IS NOT NULL ORDER BY name",
  );
  for (const index of indexes) await trx.raw(`DROP INDEX "${index.name.replace(/"/g, '""')}"`);
  await insert();
  // Each CREATE INDEX sorts the whole table; a sort that fits SQLite's cache does not spill to temporary files.
  const [{ cache_size: cacheSize }] = (await trx.raw('PRAGMA cache_size')) as [{ cache_size: number }];
  await trx.raw(`PRAGMA cache_size = ${INDEX_BUILD_CACHE_KIB}`);
  try {
    for (const index of indexes) await trx.raw(index.sql);
  } finally {
    await trx.raw(`PRAGMA cache_size = ${Number(cacheSize)}`);
  }
}

/** 64 MiB (negative: KiB, not pages) for the index builds of a whole deck, given back when they are done. */
const INDEX_BUILD_CACHE_KIB = -65_536;

/** Changes with every change to the rates, in the same transaction, so other processes can tell their in-memory deck is stale. */
const VERSION_KEY = 'rates_version';

export async function bumpRatesVersion(trx: Knex.Transaction, clock: Clock): Promise<string> {
  const version = `${clock.now().toISOString()} ${randomUUID()}`;
  await trx('settings').insert({ key: VERSION_KEY, value: version }).onConflict('key').merge();
  return version;
}

export async function ratesVersion(db: Db): Promise<string | undefined> {
  const row = await db('settings').where({ key: VERSION_KEY }).first<{ value: string } | undefined>('value');
  return row?.value;
}

interface SqliteConnection {
  prepare(sql: string): { run(values: unknown[]): unknown };
}

/**
 * Rows per INSERT on SQLite: one statement of ten rows costs far less than ten statements of one (each run is a
 * call into the native module and a pass of SQLite's program), while 130 bound values stay far below SQLite's limit.
 */
const SQLITE_ROWS_PER_INSERT = 10;

async function insertWithPreparedStatement(trx: Knex.Transaction, rates: readonly Rate[], now: string): Promise<void> {
  // Inside a transaction knex hands back that transaction's own connection (better-sqlite3 is synchronous).
  const client = trx.client as { acquireConnection(): Promise<SqliteConnection> };
  const connection = await client.acquireConnection();
  const fullBatch = connection.prepare(insertRatesSql(SQLITE_ROWS_PER_INSERT));
  const bindings: (string | number | boolean)[] = [];
  for (let start = 0; start < rates.length; start += SQLITE_ROWS_PER_INSERT) {
    const end = Math.min(start + SQLITE_ROWS_PER_INSERT, rates.length);
    bindings.length = 0;
    for (let i = start; i < end; i++) pushRow(bindings, rates[i]!, now);
    // Only the last batch can be short.
    const insert = end - start === SQLITE_ROWS_PER_INSERT ? fullBatch : connection.prepare(insertRatesSql(end - start));
    insert.run(bindings);
  }
}

async function insertInChunks(trx: Knex.Transaction, rates: readonly Rate[], now: string): Promise<void> {
  for (let i = 0; i < rates.length; i += INSERT_CHUNK) {
    const chunk = rates.slice(i, i + INSERT_CHUNK);
    const bindings: (string | number | boolean)[] = [];
    for (const rate of chunk) pushRow(bindings, rate, now);
    await trx.raw(insertRatesSql(chunk.length), bindings);
  }
}

/** One INSERT of `rows` rates, bound in pushRow's order. */
function insertRatesSql(rows: number): string {
  const row = `(${COLUMNS.map(() => '?').join(',')})`;
  return `INSERT INTO rates (${COLUMNS.join(',')}) VALUES ${Array.from({ length: rows }, () => row).join(',')}`;
}

function pushRow(bindings: (string | number | boolean)[], rate: Rate, now: string): void {
  // better-sqlite3 takes no booleans; 1/0 is what knex would have sent, and Postgres casts it for a boolean column.
  bindings.push(
    rate.prefix,
    rate.iso,
    rate.country,
    rate.description,
    rate.sellPerMinMicros,
    rate.costPerMinMicros,
    rate.firstIncrementS,
    rate.nextIncrementS,
    rate.connectionFeeMicros,
    rate.minimumChargeMicros,
    rate.enabled ? 1 : 0,
    now,
    now,
  );
}
