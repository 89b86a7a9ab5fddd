import type { Knex } from 'knex';

/** An import preview belongs to the account whose address book it would change. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_import_previews', (t) => {
    t.integer('owner_account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('contact_import_previews').update({ owner_account_id: db('accounts').select('id').where('personal_user_id', db.ref('contact_import_previews.owner_user_id')) });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_import_previews', (t) => {
    t.dropColumn('owner_account_id');
  });
}
