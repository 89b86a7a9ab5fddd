import { createTable } from '../src/db/migration-helpers.js';

/**
 * One row per call a user places. `id` is ours (unguessable, given to Twilio in every webhook URL), so callbacks
 * find their call even when the REST create never returned a SID. `live_user_id` is the user's id while the call
 * is live and NULL once it is over: its unique index (NULLs never collide, on SQLite and PostgreSQL alike) is what
 * makes "one live call per user" hold in the database, whatever the number of tabs, clicks or processes.
 */
export const { up, down } = createTable('calls', (t) => {
  t.string('id', 32).primary();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.integer('live_user_id').nullable().unique({ indexName: 'calls_one_live_call_per_user' });
  t.string('to_e164', 20).notNullable();
  t.string('to_country', 2).nullable();
  t.string('from_e164', 20).notNullable();
  t.string('parent_sid', 40).nullable().unique({ indexName: 'calls_parent_sid_unique' });
  t.string('child_sid', 40).nullable();
  t.string('status', 30).notNullable();
  t.boolean('confirm_answer').notNullable();
  t.string('created_at', 32).notNullable();
  t.string('ringing_at', 32).nullable();
  t.string('answered_at', 32).nullable();
  t.string('confirmed_at', 32).nullable();
  t.string('dial_started_at', 32).nullable();
  t.string('bridged_at', 32).nullable();
  t.string('parent_ended_at', 32).nullable();
  t.string('ended_at', 32).nullable();
  t.string('expected_end_at', 32).notNullable();
  t.integer('time_limit_s').notNullable();
  t.integer('talk_limit_s').notNullable();
  t.integer('dial_timeout_s').notNullable();
  t.integer('first_leg_seconds').nullable();
  t.integer('bridged_seconds').nullable();
  t.integer('parent_sequence').nullable();
  t.integer('child_sequence').nullable();
  t.bigInteger('hold_micros').notNullable();
  t.bigInteger('cost_micros').nullable();
  t.bigInteger('uncollected_cost_micros').nullable();
  t.string('parent_final_status', 20).nullable();
  t.string('dial_status', 20).nullable();
  t.string('confirm_digits', 10).nullable();
  t.string('hangup_requested_at', 32).nullable();
  t.string('failure_reason', 300).nullable();
  t.text('cost_breakdown').nullable();
  t.string('settled_at', 32).nullable();
  t.index(['user_id', 'created_at'], 'calls_user_created_idx');
  t.index(['settled_at', 'expected_end_at'], 'calls_unsettled_due_idx');
});
