import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * An invitation to join a team, sent by email: the link carries a random token whose SHA-256 is token_hash; it is
 * valid until expires_at (7 days) and used once (accepted_at), or revoked.
 */
export const { up, down } = createTable('team_invitations', (t) => {
  t.increments('id').primary();
  t.integer('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
  t.string('email', 254).notNullable();
  t.string('role', 10).notNullable();
  t.string('token_hash', 64).notNullable().unique();
  t.integer('invited_by_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('expires_at', 32).notNullable();
  t.string('accepted_at', 32).nullable();
  t.integer('accepted_by_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
  t.string('revoked_at', 32).nullable();
  timestamps(t);
  t.index(['account_id', 'id'], 'team_invitations_account_idx');
  t.check(`role IN ('admin', 'member')`, [], 'team_invitations_role_known');
});
