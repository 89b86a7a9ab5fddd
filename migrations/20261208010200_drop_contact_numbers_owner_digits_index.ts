import { dropIndex } from '../src/db/migration-helpers.js';

/** Digit searches go by account now (contact_numbers_account_digits_idx): no query reads contact_numbers by owner_user_id. */
export const { up, down } = dropIndex('contact_numbers', ['owner_user_id', 'digits', 'contact_id'], { name: 'contact_numbers_owner_digits_idx' });
