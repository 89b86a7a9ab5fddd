import { createTable } from '../src/db/migration-helpers.js';

/** Single-use codes; redeemed_at is set by one conditional UPDATE, so a code can only ever be redeemed once. */
export const { up, down } = createTable('vouchers', (t) => {
  t.increments('id').primary();
  t.integer('batch_id').notNullable().references('id').inTable('voucher_batches').onDelete('CASCADE');
  t.string('code', 32).notNullable().unique();
  t.bigInteger('value_micros').notNullable();
  t.string('expires_at', 32).notNullable();
  t.integer('redeemed_by').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('redeemed_at', 32).nullable();
  t.string('created_at', 32).notNullable();
});
