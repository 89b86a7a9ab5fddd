import { addColumns } from '../src/db/migration-helpers.js';

/** Set when the low-balance notice was sent, cleared when the balance is back above the threshold: once per crossing. */
export const { up, down } = addColumns('users', (t) => {
  t.string('low_balance_noticed_at', 32).nullable();
}, ['low_balance_noticed_at']);
