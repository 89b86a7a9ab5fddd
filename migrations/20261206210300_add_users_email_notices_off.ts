import { addColumns } from '../src/db/migration-helpers.js';

/** The optional email notices the user switched off, as a comma-separated list of kinds (empty: all on). */
export const { up, down } = addColumns('users', (t) => {
  t.string('email_notices_off', 200).notNullable().defaultTo('');
}, ['email_notices_off']);
