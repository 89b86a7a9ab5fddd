import type { Knex } from 'knex';

/**
 * A contact belongs to its account; owner_user_id only says who added it. Deleting that user deleted the contact too
 * (ON DELETE CASCADE), a team's included: now the team keeps it and owner_user_id becomes null. A personal account's
 * contacts still go with the user (accounts.personal_user_id cascades, and owner_account_id with it).
 */
/**
 * Outside a transaction: SQLite changes a foreign key by rebuilding the table, and only outside a transaction can knex
 * switch foreign keys off for it. With them on, dropping the old contacts table would cascade-delete every number.
 */
export const config = { transaction: false };

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contacts', (t) => {
    t.dropForeign(['owner_user_id']);
  });
  await db.schema.alterTable('contacts', (t) => {
    t.integer('owner_user_id').nullable().alter();
    t.foreign('owner_user_id').references('id').inTable('users').onDelete('SET NULL');
  });
}

/** Back to NOT NULL and CASCADE: contacts whose adder was deleted meanwhile have no owner to go back to, so they go. */
export async function down(db: Knex): Promise<void> {
  await db('contacts').whereNull('owner_user_id').delete();
  await db.schema.alterTable('contacts', (t) => {
    t.dropForeign(['owner_user_id']);
  });
  await db.schema.alterTable('contacts', (t) => {
    t.integer('owner_user_id').notNullable().alter();
    t.foreign('owner_user_id').references('id').inTable('users').onDelete('CASCADE');
  });
}
