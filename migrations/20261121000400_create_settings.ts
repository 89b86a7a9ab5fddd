import { createTable } from '../src/db/migration-helpers.js';

/** Small instance-wide values the app generates once and must keep, such as the session signing secret. */
export const { up, down } = createTable('settings', (t) => {
  t.string('key', 64).primary();
  t.text('value').notNullable();
});
