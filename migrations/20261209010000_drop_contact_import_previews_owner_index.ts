import { dropIndex } from '../src/db/migration-helpers.js';

/**
 * Previews are written, read, applied and cleared by account and token (contact_import_previews_account_idx and the
 * primary key); owner_user_id only records who uploaded one, and no query reads previews by it. Its index cost
 * every preview's insert and delete for nothing. The one reader left is the ON DELETE CASCADE of a user removed by
 * hand (the app never deletes users), which scans a small table: an account's previews go when applied or at its
 * next upload once an hour old.
 */
export const { up, down } = dropIndex('contact_import_previews', ['owner_user_id'], { name: 'contact_import_previews_owner_idx' });
