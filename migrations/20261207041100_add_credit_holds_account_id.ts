import type { Knex } from 'knex';

/**
 * The account whose wallet the row belongs to (user_id stays: the member who made it, for per-member spend).
 * Backfilled from each user's personal account; nullable only because SQLite cannot add a NOT NULL column without
 * a default: the ledger always writes it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('credit_holds', (t) => {
    t.integer('account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('credit_holds').update({ account_id: db('accounts').select('id').where('personal_user_id', db.ref('credit_holds.user_id')) });
  await db.schema.alterTable('credit_holds', (t) => {
    t.index(['account_id', 'status'], 'credit_holds_account_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('credit_holds', (t) => {
    t.dropIndex(['account_id', 'status'], 'credit_holds_account_idx');
  });
  await db.schema.alterTable('credit_holds', (t) => {
    t.dropColumn('account_id');
  });
}
