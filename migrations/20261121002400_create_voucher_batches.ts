import { createTable } from '../src/db/migration-helpers.js';

export const { up, down } = createTable('voucher_batches', (t) => {
  t.increments('id').primary();
  t.string('label', 100).notNullable();
  t.bigInteger('value_micros').notNullable();
  t.integer('quantity').notNullable();
  t.string('expires_at', 32).notNullable();
  t.integer('created_by').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('created_at', 32).notNullable();
});
