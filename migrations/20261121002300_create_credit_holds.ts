import { createTable } from '../src/db/migration-helpers.js';

/** Credit reserved for a call in progress; settled exactly once (call_sid is unique) when the call ends. */
export const { up, down } = createTable('credit_holds', (t) => {
  t.increments('id').primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('call_sid', 64).notNullable().unique();
  t.string('description', 200).nullable();
  t.bigInteger('amount_micros').notNullable();
  t.integer('free_seconds').notNullable();
  t.integer('max_seconds').notNullable();
  t.text('tariffs').notNullable();
  t.string('status', 10).notNullable();
  t.bigInteger('charge_micros').nullable();
  t.integer('free_seconds_used').nullable();
  t.string('created_at', 32).notNullable();
  t.string('settled_at', 32).nullable();
  t.index(['user_id', 'status'], 'credit_holds_user_status_idx');
});
