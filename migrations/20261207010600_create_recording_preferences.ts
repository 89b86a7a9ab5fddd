import { createTable } from '../src/db/migration-helpers.js';

/** A user's choice to record their calls; no row means off (recording is opt-in). */
export const { up, down } = createTable('recording_preferences', (t) => {
  t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
  t.boolean('record_calls').notNullable().defaultTo(false);
  t.string('updated_at', 32).notNullable();
});
