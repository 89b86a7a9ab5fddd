import { createTable, timestamps } from '../src/db/migration-helpers.js';

/**
 * Who pays: every user has a personal account (personal_user_id set, unique), and a team is an account with members
 * (personal_user_id null). Wallets, holds and ledger entries belong to an account (see docs/teams.md).
 */
export const { up, down } = createTable('accounts', (t) => {
  t.increments('id').primary();
  t.string('kind', 10).notNullable();
  t.string('name', 80).notNullable();
  t.integer('personal_user_id').nullable().unique().references('id').inTable('users').onDelete('CASCADE');
  timestamps(t);
  t.check(`kind IN ('personal', 'team')`, [], 'accounts_kind_known');
  t.check(`(kind = 'personal') = (personal_user_id IS NOT NULL)`, [], 'accounts_personal_has_user');
});
