import { createTable } from '../src/db/migration-helpers.js';

/**
 * Stripe's verified webhook events, one row per event id: the endpoint stores the event and answers 2xx at once,
 * and the stripe.event job applies it. The unique event id makes a duplicate delivery find its row instead of
 * queuing the work again; `processed_at` says the work is done, so a retried job changes nothing.
 */
export const { up, down } = createTable('stripe_events', (t) => {
  t.increments('id').primary();
  t.string('event_id', 80).notNullable().unique();
  t.string('type', 80).notNullable();
  t.text('payload').notNullable();
  t.integer('attempts').notNullable().defaultTo(0);
  t.text('last_error').nullable();
  t.string('received_at', 32).notNullable();
  t.string('processed_at', 32).nullable();
  t.index(['processed_at', 'id'], 'stripe_events_pending_idx');
});
