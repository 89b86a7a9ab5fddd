import { createTable } from '../src/db/migration-helpers.js';

/** Every change to a balance, append-only; amount is signed (credits positive, charges negative). */
export const { up, down } = createTable('ledger_entries', (t) => {
  t.increments('id').primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('kind', 20).notNullable();
  t.bigInteger('amount_micros').notNullable();
  t.bigInteger('balance_after_micros').notNullable();
  t.integer('free_seconds').notNullable().defaultTo(0);
  t.string('reference', 100).nullable();
  t.string('idempotency_key', 120).nullable().unique();
  t.string('description', 200).notNullable();
  t.string('created_at', 32).notNullable();
  t.index(['user_id', 'id'], 'ledger_entries_user_idx');
});
