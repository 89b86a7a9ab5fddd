import { createTable } from '../src/db/migration-helpers.js';

/**
 * Card top-ups through Stripe Checkout, one row per attempt. `public_id` names the top-up in URLs and in the
 * session's metadata; the unique checkout session id, and the status moving to 'credited' inside the crediting
 * transaction, make every session credit at most once whatever events arrive. Refunded and disputed amounts are
 * kept here so a refund never exceeds what the top-up still has unspent.
 */
export const { up, down } = createTable('payments', (t) => {
  t.increments('id').primary();
  t.string('public_id', 40).notNullable().unique();
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('status', 16).notNullable();
  t.bigInteger('amount_micros').notNullable();
  t.integer('amount_minor').notNullable();
  t.string('currency', 3).notNullable();
  t.string('checkout_session_id', 100).nullable().unique();
  t.string('payment_intent_id', 60).nullable();
  t.string('charge_id', 60).nullable();
  t.bigInteger('refunded_micros').notNullable().defaultTo(0);
  t.bigInteger('disputed_micros').notNullable().defaultTo(0);
  t.bigInteger('owed_micros').notNullable().defaultTo(0);
  t.string('dispute_id', 60).nullable();
  t.string('dispute_status', 30).nullable();
  t.string('created_at', 32).notNullable();
  t.string('updated_at', 32).notNullable();
  t.string('credited_at', 32).nullable();
  t.index(['user_id', 'id'], 'payments_user_idx');
  t.index(['status', 'id'], 'payments_status_idx');
});
