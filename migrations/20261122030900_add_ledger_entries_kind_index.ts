import { addIndex } from '../src/db/migration-helpers.js';

/** The admin dashboard sums one kind of entry (call charges) over a period. */
export const { up, down } = addIndex('ledger_entries', ['kind', 'created_at'], { name: 'ledger_entries_kind_created_idx' });
