import { addIndex } from '../src/db/migration-helpers.js';

/**
 * The call history's index. Its prefix (user_id, created_at, id) serves keyset pages, newest first, with no sort
 * whatever the number of calls; the trailing columns cover the totals of a filtered set (count, cost, talk time by
 * status, country and dates), so those are read from the index alone instead of visiting every row: 37 ms -> 15-20 ms
 * on 100,000 calls of one user (SQLite).
 */
export const { up, down } = addIndex('calls', ['user_id', 'created_at', 'id', 'status', 'to_country', 'cost_micros', 'bridged_seconds'], { name: 'calls_history_idx' });
