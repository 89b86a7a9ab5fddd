import { createTable } from '../src/db/migration-helpers.js';

/**
 * A checked rate file waiting for an admin's confirmation, keyed by an unguessable token. Kept in the database
 * (not in one process's memory) so the confirm may reach any instance; consumed_at makes a confirm count once.
 */
export const { up, down } = createTable('rate_import_previews', (t) => {
  t.string('token', 64).primary();
  t.integer('created_by').nullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('format', 20).notNullable();
  t.string('file_name', 200).notNullable();
  t.text('rates').notNullable();
  t.string('created_at', 32).notNullable();
  t.string('consumed_at', 32).nullable();
});
