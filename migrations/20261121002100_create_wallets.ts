import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * One row per user: the cached balance (always equal to the sum of the user's ledger entries), the credit held
 * for calls in progress, and this month's free-minute allowance. Money in BIGINT micro-units.
 */
export const { up, down } = createTable('wallets', (t) => {
  t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
  t.bigInteger('balance_micros').notNullable().defaultTo(0);
  t.bigInteger('held_micros').notNullable().defaultTo(0);
  t.integer('free_seconds_left').notNullable().defaultTo(0);
  t.integer('free_seconds_held').notNullable().defaultTo(0);
  t.string('free_period', 7).notNullable();
  timestamps(t);
  // The last line of defence: even a bug in the service cannot make credit negative or over-held.
  t.check('held_micros >= 0 AND held_micros <= balance_micros', [], 'wallets_held_within_balance');
  t.check('free_seconds_held >= 0 AND free_seconds_left >= 0', [], 'wallets_free_seconds_non_negative');
});
