import { addIndex } from '../src/db/migration-helpers.js';

/** The dial page's favourites of the acting account. */
export const { up, down } = addIndex('contacts', ['owner_account_id', 'favourite', 'search_text', 'id'], { name: 'contacts_account_favourite_idx' });
