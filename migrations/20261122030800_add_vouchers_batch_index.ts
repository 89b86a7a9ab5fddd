import { addIndex } from '../src/db/migration-helpers.js';

/** A batch's codes are listed, counted and voided together. */
export const { up, down } = addIndex('vouchers', ['batch_id', 'id'], { name: 'vouchers_batch_idx' });
