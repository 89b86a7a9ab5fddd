import { addIndex } from '../src/db/migration-helpers.js';

/** The admin dashboard sums the calls settled in a period. */
export const { up, down } = addIndex('credit_holds', ['settled_at'], { name: 'credit_holds_settled_at_idx' });
