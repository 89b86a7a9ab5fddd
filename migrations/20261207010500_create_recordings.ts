import { createTable } from '../src/db/migration-helpers.js';

/**
 * One call recording (at most one per call): what Twilio told us (its sid, duration, channels), where we keep the
 * file (a storage key, never a Twilio URL), and how far the download → delete-at-Twilio job got, so a rerun after a
 * crash finishes the work without storing or billing twice.
 */
export const { up, down } = createTable('recordings', (t) => {
  t.increments('id').primary();
  t.string('call_id', 32).notNullable().unique();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('twilio_sid', 34).notNullable().unique();
  /** processing (recording or Twilio still processing) | stored | failed | deleted (by the user). */
  t.string('status', 16).notNullable();
  t.integer('duration_s').nullable();
  t.integer('channels').nullable();
  t.bigInteger('bytes').notNullable().defaultTo(0);
  /** The storage key of the file while it is stored. */
  t.string('path', 200).nullable();
  t.integer('error_code').nullable();
  t.bigInteger('charged_micros').notNullable().defaultTo(0);
  /** Twilio's completed callback arrived: the media can be downloaded. */
  t.string('media_ready_at', 32).nullable();
  t.string('stored_at', 32).nullable();
  t.string('deleted_at_twilio_at', 32).nullable();
  t.string('deleted_at', 32).nullable();
  t.string('created_at', 32).notNullable();
  t.string('updated_at', 32).notNullable();
  t.index(['user_id', 'status'], 'recordings_user_status_index');
  t.index(['stored_at'], 'recordings_stored_at_index');
});
