import type { Knex } from 'knex';

/** The account that pays for the call (its hold and settlement); older calls were paid by their user's personal account. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('calls', (t) => {
    t.integer('account_id').nullable().references('id').inTable('accounts').onDelete('SET NULL');
  });
  await db('calls').update({ account_id: db('accounts').select('id').where('personal_user_id', db.ref('calls.user_id')) });
  await db.schema.alterTable('calls', (t) => {
    t.index(['account_id', 'created_at'], 'calls_account_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('calls', (t) => {
    t.dropIndex(['account_id', 'created_at'], 'calls_account_idx');
  });
  await db.schema.alterTable('calls', (t) => {
    t.dropColumn('account_id');
  });
}
