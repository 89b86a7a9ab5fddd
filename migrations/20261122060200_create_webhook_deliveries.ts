import { createTable } from '../src/db/migration-helpers.js';

/**
 * Outgoing webhook deliveries, one row per (token, event, subject): the unique key makes enqueueing idempotent, so
 * a settlement that runs twice never notifies twice. The payload is frozen at enqueue time; every retry sends the
 * same body (with a fresh signature timestamp).
 */
export const { up, down } = createTable('webhook_deliveries', (t) => {
  t.increments('id').primary();
  t.integer('token_id').notNullable().references('id').inTable('api_tokens').onDelete('CASCADE');
  t.string('event', 40).notNullable();
  t.string('subject_id', 64).notNullable();
  t.string('url', 500).notNullable();
  t.text('payload').notNullable();
  t.string('status', 12).notNullable();
  t.integer('attempts').notNullable().defaultTo(0);
  t.integer('last_status_code').nullable();
  t.string('last_error', 300).nullable();
  t.string('created_at', 32).notNullable();
  t.string('last_attempt_at', 32).nullable();
  t.string('delivered_at', 32).nullable();
  t.unique(['token_id', 'event', 'subject_id'], { indexName: 'webhook_deliveries_once_idx' });
});
