import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * The address book. owner_user_id is who the contact belongs to: today always the user; when teams arrive it becomes
 * the paying account (a personal account per user, or a team), see docs/contacts.md. search_text is the name and
 * company lowered and stripped of accents, so search and sorting are one plain comparison on both engines; the index
 * (owner_user_id, search_text, id) orders the list and lets a substring search scan the owner's index entries only.
 */
export const { up, down } = createTable('contacts', (t) => {
  t.increments('id').primary();
  t.integer('owner_user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('name', 100).notNullable();
  t.string('company', 100).notNullable().defaultTo('');
  t.text('notes').notNullable().defaultTo('');
  t.boolean('favourite').notNullable().defaultTo(false);
  t.string('search_text', 210).notNullable();
  timestamps(t);
  t.index(['owner_user_id', 'search_text', 'id'], 'contacts_owner_search_idx');
});
