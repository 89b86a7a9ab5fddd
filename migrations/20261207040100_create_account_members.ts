import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * Who may act in an account and within which limits. A personal account has its user as its one owner. The limits
 * are set by a team's owners and admins; null means no limit beyond the account's own (spend in micro-units,
 * allowed_countries a comma-separated list of ISO 3166 alpha-2 codes, null for every country the service calls).
 */
export const { up, down } = createTable('account_members', (t) => {
  t.integer('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
  t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
  t.string('role', 10).notNullable();
  t.bigInteger('spend_per_day_micros').nullable();
  t.bigInteger('spend_per_month_micros').nullable();
  t.integer('max_concurrent_calls').nullable();
  t.text('allowed_countries').nullable();
  timestamps(t);
  t.primary(['account_id', 'user_id']);
  t.index(['user_id', 'account_id'], 'account_members_user_idx');
  t.check(`role IN ('owner', 'admin', 'member')`, [], 'account_members_role_known');
});
