import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * A user's attempt to verify a phone number with Twilio Verify: kept server-side so the pending number survives a new
 * session and the old number stays in use until the new one is approved.
 */
export const { up, down } = createTable('phone_verifications', (t) => {
  t.increments('id').primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('phone_e164', 16).notNullable();
  t.string('country', 2).nullable();
  t.string('channel', 8).notNullable();
  t.string('verification_sid', 64).notNullable();
  t.string('status', 16).notNullable();
  t.integer('checks').notNullable().defaultTo(0);
  t.string('expires_at', 32).notNullable();
  timestamps(t);
  t.index(['user_id', 'status'], 'phone_verifications_user_status_idx');
});
