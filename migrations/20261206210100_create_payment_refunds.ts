import { createTable } from '../src/db/migration-helpers.js';

/**
 * Refunds of card top-ups: the row is written with the credit reversal in one transaction; Stripe's refund events
 * later confirm it (`confirmed_at`). The unique refund id makes the confirmation idempotent.
 */
export const { up, down } = createTable('payment_refunds', (t) => {
  t.increments('id').primary();
  t.integer('payment_id').notNullable().references('id').inTable('payments').onDelete('CASCADE');
  t.string('refund_id', 60).notNullable().unique();
  t.bigInteger('amount_micros').notNullable();
  t.string('status', 20).notNullable();
  t.integer('admin_id').nullable();
  t.string('reason', 200).nullable();
  t.string('created_at', 32).notNullable();
  t.string('confirmed_at', 32).nullable();
  t.index(['payment_id'], 'payment_refunds_payment_idx');
});
