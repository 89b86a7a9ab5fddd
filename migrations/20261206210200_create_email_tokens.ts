import { createTable } from '../src/db/migration-helpers.js';

/**
 * Single-use links sent by email (confirm an address, reset a password, confirm a new address). Only a SHA-256 of
 * the token is stored, so a leaked table cannot be turned into working links.
 */
export const { up, down } = createTable('email_tokens', (t) => {
  t.increments('id').primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('purpose', 20).notNullable();
  t.string('token_hash', 64).notNullable().unique();
  /** For a change of address: the address the link confirms. */
  t.string('new_email', 254).nullable();
  t.string('expires_at', 32).notNullable();
  t.string('used_at', 32).nullable();
  t.string('created_at', 32).notNullable();
  t.index(['user_id', 'purpose'], 'email_tokens_user_purpose_index');
});
