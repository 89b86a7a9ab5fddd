import type { Knex } from 'knex';

/** Uniqueness is per account now: a user may have the same number in their own book and in a team's. */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_numbers', (t) => {
    t.dropUnique(['owner_user_id', 'e164'], 'contact_numbers_owner_e164_unique');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('contact_numbers', (t) => {
    t.unique(['owner_user_id', 'e164'], { indexName: 'contact_numbers_owner_e164_unique' });
  });
}
