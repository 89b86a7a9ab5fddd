import { addIndex } from '../src/db/migration-helpers.js';

/** The admin's call list (newest first, by day) and the dashboard's "calls today" read calls by creation time. */
export const { up, down } = addIndex('calls', ['created_at'], { name: 'calls_created_at_idx' });
