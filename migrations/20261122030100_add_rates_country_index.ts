import { addIndex } from '../src/db/migration-helpers.js';

/** The rates admin sorts by country (then prefix) and pages through it with LIMIT. */
export const { up, down } = addIndex('rates', ['country', 'prefix'], { name: 'rates_country_prefix_idx' });
