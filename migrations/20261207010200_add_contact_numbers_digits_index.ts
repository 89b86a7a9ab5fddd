import { addIndex } from '../src/db/migration-helpers.js';

/** A search by digits scans only the owner's (digits, contact_id) index entries, never the table rows. */
export const { up, down } = addIndex('contact_numbers', ['owner_user_id', 'digits', 'contact_id'], { name: 'contact_numbers_owner_digits_idx' });
