import { createTable } from '../src/db/migration-helpers.js';

/**
 * A checked contacts file waiting for the user's confirmation: the parsed contacts (JSON), kept until applied or an
 * hour old. token is the unguessable part of the preview's address; owner_user_id scopes it like a contact.
 */
export const { up, down } = createTable('contact_import_previews', (t) => {
  t.string('token', 40).primary();
  t.integer('owner_user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('file_name', 200).notNullable();
  t.text('payload').notNullable();
  t.string('created_at', 32).notNullable();
  t.index(['owner_user_id'], 'contact_import_previews_owner_idx');
});
