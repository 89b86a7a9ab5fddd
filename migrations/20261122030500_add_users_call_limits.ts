import { addColumns } from '../src/db/migration-helpers.js';

/** Per-user limits set by an admin; null means no limit beyond the product's own. */
export const { up, down } = addColumns('users', (t) => {
  t.bigInteger('daily_spend_cap_micros').nullable();
  t.integer('concurrent_call_limit').nullable();
}, ['daily_spend_cap_micros', 'concurrent_call_limit']);
