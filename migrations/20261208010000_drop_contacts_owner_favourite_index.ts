import { dropIndex } from '../src/db/migration-helpers.js';

/** Favourites are listed by account now (contacts_account_favourite_idx): no query reads contacts by owner_user_id. */
export const { up, down } = dropIndex('contacts', ['owner_user_id', 'favourite', 'search_text', 'id'], { name: 'contacts_owner_favourite_idx' });
