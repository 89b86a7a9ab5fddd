import { createTable } from '../src/db/migration-helpers.js';

/**
 * A contact's phone numbers, in E.164, with a label. owner_user_id is copied from the contact so that one number
 * belongs to one contact per owner (the unique index: imports merge by it) and the call history finds names for a
 * page of calls with one indexed lookup. digits (E.164 without "+") is what a typed search of digits matches.
 */
export const { up, down } = createTable('contact_numbers', (t) => {
  t.increments('id').primary();
  t.integer('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
  t.integer('owner_user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('label', 30).notNullable().defaultTo('');
  t.string('e164', 20).notNullable();
  t.string('digits', 20).notNullable();
  t.integer('position').notNullable().defaultTo(0);
  t.unique(['owner_user_id', 'e164'], { indexName: 'contact_numbers_owner_e164_unique' });
  t.index(['contact_id', 'position'], 'contact_numbers_contact_idx');
});
