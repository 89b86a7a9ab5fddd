import { createTable } from '../src/db/migration-helpers.js';

/** Fixed-window attempt counters (log-ins, sign-ups, verification codes), shared by every process and kept across restarts. */
export const { up, down } = createTable('rate_limit_counters', (t) => {
  t.string('key', 200).primary();
  t.integer('hits').notNullable();
  t.bigInteger('window_ends_at').notNullable().index('rate_limit_counters_window_ends_at_idx');
});
