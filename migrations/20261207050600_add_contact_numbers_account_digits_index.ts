import { addIndex } from '../src/db/migration-helpers.js';

/** A typed search of digits within the account's numbers. */
export const { up, down } = addIndex('contact_numbers', ['owner_account_id', 'digits', 'contact_id'], { name: 'contact_numbers_account_digits_idx' });
