import type { Knex } from 'knex';

/**
 * The account a card top-up credits (and whose wallet its refunds and disputes debit): set at checkout from the
 * account the buyer pays from. Older top-ups credited their user's personal account. Null only for a user without a
 * personal account yet (old fixtures): the code reads that as the user's personal account.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('payments', (t) => {
    t.integer('account_id').nullable().references('id').inTable('accounts').onDelete('SET NULL');
  });
  await db('payments').update({ account_id: db('accounts').select('id').where('personal_user_id', db.ref('payments.user_id')) });
  await db.schema.alterTable('payments', (t) => {
    t.index(['account_id', 'id'], 'payments_account_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('payments', (t) => {
    t.dropIndex(['account_id', 'id'], 'payments_account_idx');
  });
  await db.schema.alterTable('payments', (t) => {
    t.dropColumn('account_id');
  });
}
