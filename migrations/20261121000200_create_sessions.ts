import { createTable } from '../src/db/migration-helpers.js';

export const { up, down } = createTable('sessions', (t) => {
  t.string('sid', 128).primary();
  t.text('data').notNullable();
  t.bigInteger('expires_at').notNullable().index('sessions_expires_at_idx');
});
