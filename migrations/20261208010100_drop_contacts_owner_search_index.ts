import { dropIndex } from '../src/db/migration-helpers.js';

/** The list and its search go by account now (contacts_account_search_idx): no query reads contacts by owner_user_id. */
export const { up, down } = dropIndex('contacts', ['owner_user_id', 'search_text', 'id'], { name: 'contacts_owner_search_idx' });
