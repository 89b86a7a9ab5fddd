import { addIndex } from '../src/db/migration-helpers.js';

/** The rates admin sorts by sell price (then prefix) and pages through it with LIMIT. */
export const { up, down } = addIndex('rates', ['sell_per_min_micros', 'prefix'], { name: 'rates_sell_prefix_idx' });
