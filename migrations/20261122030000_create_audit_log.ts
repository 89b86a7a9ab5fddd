import { createTable } from '../src/db/migration-helpers.js';

/** Every admin change: who, when, what, old → new; written in the same transaction as the change itself. */
export const { up, down } = createTable('audit_log', (t) => {
  t.increments('id').primary();
  t.integer('actor_id').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('action', 40).notNullable();
  t.string('subject', 120).notNullable();
  t.string('summary', 300).notNullable();
  t.text('old_value').nullable();
  t.text('new_value').nullable();
  t.string('created_at', 32).notNullable();
  t.index(['action', 'id'], 'audit_log_action_idx');
  t.index(['actor_id', 'id'], 'audit_log_actor_idx');
});
