import type { Knex } from 'knex';

/** A number's account, copied from its contact (one number per contact per account; imports merge by it). */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_numbers', (t) => {
    t.integer('owner_account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
  });
  await db('contact_numbers').update({ owner_account_id: db('contacts').select('owner_account_id').where('id', db.ref('contact_numbers.contact_id')) });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_numbers', (t) => {
    t.dropColumn('owner_account_id');
  });
}
