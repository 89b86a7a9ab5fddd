import { addColumns } from '../src/db/migration-helpers.js';

/** A disabled account cannot log in; null means active. */
export const { up, down } = addColumns('users', (t) => {
  t.string('disabled_at', 32).nullable();
}, ['disabled_at']);
