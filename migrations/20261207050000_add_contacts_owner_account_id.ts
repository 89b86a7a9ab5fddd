import type { Knex } from 'knex';

/**
 * The address book belongs to an account (personal, or a team's, shared by its members). owner_user_id stays: who
 * added the contact. Existing contacts move to their user's personal account.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contacts', (t) => {
    t.integer('owner_account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('contacts').update({ owner_account_id: db('accounts').select('id').where('personal_user_id', db.ref('contacts.owner_user_id')) });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('contacts', (t) => {
    t.dropColumn('owner_account_id');
  });
}
