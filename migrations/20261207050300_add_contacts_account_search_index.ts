import { addIndex } from '../src/db/migration-helpers.js';

/** The account's list and substring search scan its own index entries (as owner_user_id's index did). */
export const { up, down } = addIndex('contacts', ['owner_account_id', 'search_text', 'id'], { name: 'contacts_account_search_idx' });
