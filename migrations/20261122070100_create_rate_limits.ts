import { createTable } from '../src/db/migration-helpers.js';

/**
 * Hit counters of the log-in and voucher rate limits, in the database so every instance behind a load balancer
 * counts the same attempts. One row per limiter and client address; a row past reset_at starts a new window.
 */
export const { up, down } = createTable('rate_limits', (t) => {
  t.string('key', 200).primary();
  t.integer('hits').notNullable();
  t.bigInteger('reset_at_ms').notNullable();
  t.index(['reset_at_ms'], 'rate_limits_reset_idx');
});
