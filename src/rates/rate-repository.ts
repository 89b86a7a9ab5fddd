import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Rate } from '../rating/rate.js';

interface RateRecord {
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

/** Rows per INSERT: 12 columns × 500 stays well under SQLite's and Postgres's bound-parameter limits. */
const INSERT_CHUNK = 500;

export async function loadRates(db: Db): Promise<Rate[]> {
  const records: RateRecord[] = await db('rates').select<RateRecord[]>(
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
  );
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

/** Replaces the whole deck in one transaction: readers see the old deck or the new one, never a mix. */
export async function replaceAllRates(db: Db, rates: readonly Rate[], clock: Clock): Promise<void> {
  const now = clock.now().toISOString();
  await db.transaction(async (trx) => {
    await trx('rates').delete();
    for (let i = 0; i < rates.length; i += INSERT_CHUNK) {
      await trx('rates').insert(rates.slice(i, i + INSERT_CHUNK).map((rate) => toRecord(rate, now)));
    }
  });
}

function toRecord(rate: Rate, now: string) {
  return {
    prefix: rate.prefix,
    iso: rate.iso,
    country: rate.country,
    description: rate.description,
    sell_per_min_micros: rate.sellPerMinMicros,
    cost_per_min_micros: rate.costPerMinMicros,
    first_increment_s: rate.firstIncrementS,
    next_increment_s: rate.nextIncrementS,
    connection_fee_micros: rate.connectionFeeMicros,
    minimum_charge_micros: rate.minimumChargeMicros,
    enabled: rate.enabled,
    created_at: now,
    updated_at: now,
  };
}
