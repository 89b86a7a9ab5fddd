import { createTable } from '../src/db/migration-helpers.js';

/**
 * A user's saved card (a Stripe Customer and PaymentMethod, saved at a top-up with setup_future_usage) and their
 * opt-in "when my balance falls below X, add Y". `armed` is claimed by one conditional update when a settlement takes
 * the balance below X, so each crossing starts one top-up (`crossings` numbers them); it re-arms at or above X.
 * `failures` counts declined attempts in a row; at the limit `paused_at` stops further attempts until the user acts.
 */
export const { up, down } = createTable('auto_top_ups', (t) => {
  t.integer('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
  t.string('customer_id', 60).notNullable();
  t.string('payment_method_id', 60).nullable();
  t.string('card_brand', 20).nullable();
  t.string('card_last4', 4).nullable();
  t.boolean('enabled').notNullable().defaultTo(false);
  t.bigInteger('threshold_micros').notNullable().defaultTo(0);
  t.bigInteger('amount_micros').notNullable().defaultTo(0);
  t.boolean('armed').notNullable().defaultTo(true);
  t.integer('crossings').notNullable().defaultTo(0);
  t.integer('failures').notNullable().defaultTo(0);
  t.string('paused_at', 32).nullable();
  t.string('last_error', 300).nullable();
  t.string('last_error_at', 32).nullable();
  t.string('updated_at', 32).notNullable();
  t.unique(['customer_id'], { indexName: 'auto_top_ups_customer_unique' });
});
