import { createTable, timestamps } from '../src/db/migration-helpers.js';

/** The rate deck: money in BIGINT micro-units (1 currency unit = 1,000,000). */
export const { up, down } = createTable('rates', (t) => {
  t.increments('id').primary();
  t.string('prefix', 15).notNullable().unique();
  t.string('iso', 2).notNullable().index('rates_iso_idx');
  t.string('country', 100).notNullable();
  t.string('description', 200).notNullable();
  t.bigInteger('sell_per_min_micros').notNullable();
  t.bigInteger('cost_per_min_micros').notNullable();
  t.integer('first_increment_s').notNullable();
  t.integer('next_increment_s').notNullable();
  t.bigInteger('connection_fee_micros').notNullable();
  t.bigInteger('minimum_charge_micros').notNullable();
  t.boolean('enabled').notNullable();
  timestamps(t);
});
