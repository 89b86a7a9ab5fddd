import { addIndex } from '../src/db/migration-helpers.js';

/** An account's previews (the hourly clean-up and the look-up by token). */
export const { up, down } = addIndex('contact_import_previews', ['owner_account_id'], { name: 'contact_import_previews_account_idx' });
