import type { Knex } from 'knex';

/**
 * The account an API token acts for (its balance, ledger, calls, contacts, recordings): the account its creator paid
 * from when making it. Older tokens acted for their user alone, i.e. the personal account. Null only for a user
 * without a personal account yet (old fixtures): read as the personal account.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('api_tokens', (t) => {
    t.integer('account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('api_tokens').update({ account_id: db('accounts').select('id').where('personal_user_id', db.ref('api_tokens.user_id')) });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('account_id');
  });
}
