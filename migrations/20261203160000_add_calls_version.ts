import { addColumns } from '../src/db/migration-helpers.js';

/**
 * A call's version, bumped by every write: webhooks change a call by reading it and writing back only if the version
 * is still the one they read, so no row lock is held across round trips (see CallsRepository.changeCall).
 */
export const { up, down } = addColumns('calls', (t) => {
  t.integer('version').notNullable().defaultTo(0);
}, ['version']);
