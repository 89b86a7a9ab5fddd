import type { Knex } from 'knex';

/**
 * The account whose wallet the row belongs to (user_id stays: the member who made it, for per-member spend).
 * Backfilled from each user's personal account; nullable only because SQLite cannot add a NOT NULL column without
 * a default: the ledger always writes it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('ledger_entries', (t) => {
    t.integer('account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('ledger_entries').update({ account_id: db('accounts').select('id').where('personal_user_id', db.ref('ledger_entries.user_id')) });
  await db.schema.alterTable('ledger_entries', (t) => {
    t.index(['account_id', 'id'], 'ledger_entries_account_idx');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('ledger_entries', (t) => {
    t.dropIndex(['account_id', 'id'], 'ledger_entries_account_idx');
  });
  await db.schema.alterTable('ledger_entries', (t) => {
    t.dropColumn('account_id');
  });
}
