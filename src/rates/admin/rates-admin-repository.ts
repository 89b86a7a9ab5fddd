import type { Knex } from 'knex';
import type { Db } from '../../db/database.js';
import { escapeLike, orWhereLike } from '../../db/like.js';
import type { Rate } from '../../rating/rate.js';
import { RATE_COLUMNS, type RateRecord as DeckRecord } from '../rate-repository.js';
import { searchTerms, type RateFilter } from './rate-filter.js';

export interface RateRow extends Rate {
  id: number;
}

interface RateRecord extends DeckRecord {
  id: number;
}

const SELECT = ['id', ...RATE_COLUMNS];

const SORT_COLUMNS = { prefix: 'prefix', country: 'country', sell: 'sell_per_min_micros' } as const;
export const PAGE_SIZE = 50;
/** Rows per UPDATE … CASE: well under both engines' bound-parameter limits. */
const UPDATE_CHUNK = 400;

export function toRateRow(r: RateRecord): RateRow {
  return {
    id: Number(r.id),
    prefix: r.prefix,
    iso: r.iso,
    country: r.country,
    description: r.description,
    sellPerMinMicros: Number(r.sell_per_min_micros),
    costPerMinMicros: Number(r.cost_per_min_micros),
    firstIncrementS: Number(r.first_increment_s),
    nextIncrementS: Number(r.next_increment_s),
    connectionFeeMicros: Number(r.connection_fee_micros),
    minimumChargeMicros: Number(r.minimum_charge_micros),
    enabled: Boolean(r.enabled),
  };
}

export function toRecord(rate: Rate, now: string) {
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
    updated_at: now,
  };
}

/** Narrows a rates query to the filter's selection (search, enabled state, below cost, mobiles). */
export function applyFilter(query: Knex.QueryBuilder, filter: Omit<RateFilter, 'page' | 'sort' | 'dir'>): Knex.QueryBuilder {
  if (filter.q) {
    const { digits, iso, words } = searchTerms(filter.q);
    const contains = `%${escapeLike(words)}%`;
    query.where((w) => {
      orWhereLike(w, 'country', contains);
      orWhereLike(w, 'description', contains);
      if (digits) w.orWhere('prefix', 'like', `${digits}%`);
      if (iso) w.orWhere('iso', iso);
    });
  }
  if (filter.status !== 'all') query.where('enabled', filter.status === 'enabled');
  if (filter.belowCost) query.whereRaw('sell_per_min_micros < cost_per_min_micros');
  if (filter.mobile) query.where('description', 'like', '% - Mobile');
  return query;
}

export function ratesAdminRepository(db: Db) {
  return {
    /**
     * One page of the filtered deck and its total: an indexed query with LIMIT, never the whole deck. `knownTotal`
     * (the whole deck's size, when nothing is filtered) spares the count, a full scan on PostgreSQL.
     */
    async page(filter: RateFilter, knownTotal?: number): Promise<{ rows: RateRow[]; total: number; page: number; pages: number }> {
      const total = knownTotal ?? Number((await applyFilter(db('rates'), filter).count<{ n: number | string }[]>({ n: '*' }).first())?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
      const page = Math.min(filter.page, pages);
      const records: RateRecord[] = await applyFilter(db('rates'), filter)
        .select(SELECT)
        .orderBy([
          { column: SORT_COLUMNS[filter.sort], order: filter.dir },
          { column: 'prefix', order: filter.dir },
        ])
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE);
      return { rows: records.map(toRateRow), total, page, pages };
    },

    async findById(id: number, trx: Db = db): Promise<RateRow | undefined> {
      const record = await trx('rates').where({ id }).first<RateRecord | undefined>(SELECT);
      return record && toRateRow(record);
    },

    async findByPrefix(prefix: string, trx: Db = db): Promise<RateRow | undefined> {
      const record = await trx('rates').where({ prefix }).first<RateRecord | undefined>(SELECT);
      return record && toRateRow(record);
    },

    async insert(trx: Knex.Transaction, rate: Rate, now: string): Promise<number> {
      const [row] = await trx('rates').insert({ ...toRecord(rate, now), created_at: now }).returning('id');
      return Number(typeof row === 'object' ? (row as { id: number }).id : row);
    },

    async update(trx: Knex.Transaction, id: number, rate: Rate, now: string): Promise<void> {
      await trx('rates').where({ id }).update(toRecord(rate, now));
    },

    async delete(trx: Knex.Transaction, id: number): Promise<void> {
      await trx('rates').where({ id }).delete();
    },

    /** Every row of the selection in prefix order, read in batches (keyset on the unique prefix). */
    async *matching(filter: Omit<RateFilter, 'page' | 'sort' | 'dir'>, batch = 2000, trx: Db = db): AsyncGenerator<RateRow> {
      let after = '';
      for (;;) {
        const records: RateRecord[] = await applyFilter(trx('rates'), filter).andWhere('prefix', '>', after).select(SELECT).orderBy('prefix').limit(batch);
        for (const r of records) yield toRateRow(r);
        if (records.length < batch) return;
        after = records[records.length - 1]!.prefix;
      }
    },

    /** Sets new sell prices by id, a few hundred rows per statement. */
    async updateSellPrices(trx: Knex.Transaction, prices: { id: number; sellPerMinMicros: number }[], now: string): Promise<void> {
      for (let i = 0; i < prices.length; i += UPDATE_CHUNK) {
        const chunk = prices.slice(i, i + UPDATE_CHUNK);
        const cases = chunk.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ');
        const bindings = chunk.flatMap((p) => [p.id, p.sellPerMinMicros]);
        await trx.raw(`UPDATE rates SET sell_per_min_micros = CASE id ${cases} END, updated_at = ? WHERE id IN (${chunk.map(() => '?').join(',')})`, [
          ...bindings,
          now,
          ...chunk.map((p) => p.id),
        ]);
      }
    },

    /** Switches a whole country, or every prefix starting with some digits, on or off; returns how many rows changed. */
    async setEnabled(trx: Knex.Transaction, target: { iso: string } | { prefix: string }, enabled: boolean, now: string): Promise<number> {
      const query = trx('rates').whereNot('enabled', enabled);
      if ('iso' in target) query.where('iso', target.iso);
      else query.where('prefix', 'like', `${escapeLike(target.prefix)}%`);
      return query.update({ enabled, updated_at: now });
    },

    /** One line per country: how many of its rows are on and off (for geo permissions). */
    async countries(): Promise<{ iso: string; country: string; enabled: number; disabled: number }[]> {
      const rows = (await db('rates')
        .select('iso')
        .min({ country: 'country' })
        .count({ total: '*' })
        .sum({ on: db.raw('CASE WHEN enabled THEN 1 ELSE 0 END') })
        .groupBy('iso')
        .orderBy('country')) as unknown as { iso: string; country: string; total: number | string; on: number | string | null }[];
      return rows.map((r) => ({ iso: r.iso, country: r.country, enabled: Number(r.on ?? 0), disabled: Number(r.total) - Number(r.on ?? 0) }));
    },
  };
}

export type RatesAdminRepository = ReturnType<typeof ratesAdminRepository>;
