import { createTable } from '../src/db/migration-helpers.js';

/**
 * Every email the product sends, as queued: the send job delivers it (SMTP, or the embedded outbox when no SMTP_URL
 * is set, where this table is the outbox several instances share) and records each attempt's outcome here.
 */
export const { up, down } = createTable('emails', (t) => {
  t.increments('id').primary();
  t.integer('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('kind', 40).notNullable();
  t.string('to_address', 254).notNullable();
  t.string('subject', 300).notNullable();
  t.text('text_body').notNullable();
  t.text('html_body').notNullable();
  /** JSON object of extra headers (List-Unsubscribe on optional notices). */
  t.text('headers').notNullable().defaultTo('{}');
  /** queued, sent or failed (gave up after the last retry). */
  t.string('status', 10).notNullable().defaultTo('queued');
  /** smtp or outbox: where it went (or will go). */
  t.string('transport', 10).notNullable();
  t.integer('attempts').notNullable().defaultTo(0);
  t.text('last_error').nullable();
  t.string('message_id', 300).nullable();
  t.string('created_at', 32).notNullable();
  t.string('sent_at', 32).nullable();
  t.index(['created_at'], 'emails_created_at_index');
  t.index(['to_address', 'created_at'], 'emails_to_created_index');
});
