import type { Knex } from 'knex';

/**
 * A contact's numbers stay with it (see 20261208010300): owner_user_id, copied from the contact, only says who added
 * them. Deleting that user deleted a team contact's numbers too (ON DELETE CASCADE): now owner_user_id becomes null.
 * A personal account's numbers still go with the user (accounts.personal_user_id cascades, owner_account_id with it).
 */
/**
 * Outside a transaction, as 20261208010300: SQLite changes a foreign key by rebuilding the table, which knex does with
 * foreign keys switched off only outside a transaction.
 */
export const config = { transaction: false };

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_numbers', (t) => {
    t.dropForeign(['owner_user_id']);
  });
  await db.schema.alterTable('contact_numbers', (t) => {
    t.integer('owner_user_id').nullable().alter();
    t.foreign('owner_user_id').references('id').inTable('users').onDelete('SET NULL');
  });
}

/** Back to NOT NULL and CASCADE: numbers whose adder was deleted meanwhile have no owner to go back to, so they go. */
export async function down(db: Knex): Promise<void> {
  await db('contact_numbers').whereNull('owner_user_id').delete();
  await db.schema.alterTable('contact_numbers', (t) => {
    t.dropForeign(['owner_user_id']);
  });
  await db.schema.alterTable('contact_numbers', (t) => {
    t.integer('owner_user_id').notNullable().alter();
    t.foreign('owner_user_id').references('id').inTable('users').onDelete('CASCADE');
  });
}
