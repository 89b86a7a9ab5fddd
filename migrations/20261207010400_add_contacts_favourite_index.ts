import { addIndex } from '../src/db/migration-helpers.js';

/** The dial page lists the user's favourites on every load: a range of this index, in name order, not a scan of the book. */
export const { up, down } = addIndex('contacts', ['owner_user_id', 'favourite', 'search_text', 'id'], { name: 'contacts_owner_favourite_idx' });
