import { addIndex } from '../src/db/migration-helpers.js';

/**
 * Open holds across all users (the /metrics gauges, reconciliation of calls whose final callback never came):
 * the (user_id, status) index cannot serve a filter on status alone, so this one keeps them off a table scan.
 */
export const { up, down } = addIndex('credit_holds', ['status', 'created_at'], { name: 'credit_holds_status_created_idx' });
