import { addColumns } from '../src/db/migration-helpers.js';

/**
 * An automatic top-up's payment row names the crossing that started it (`auto:<user>:<n>`), unique, so a retried job
 * finds its row (and Stripe idempotency key) instead of charging again. Checkout top-ups leave it null.
 */
export const { up, down } = addColumns('payments', (t) => {
  t.string('auto_crossing', 60).nullable().unique({ indexName: 'payments_auto_crossing_unique' });
}, ['auto_crossing']);
