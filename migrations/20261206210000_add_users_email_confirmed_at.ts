import type { Knex } from 'knex';

/**
 * When the user proved they read mail at their address. Accounts that existed before confirmation was asked for
 * (and the demo accounts, seeded confirmed) count as confirmed: the backfill uses their creation time.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('users', (t) => {
    t.string('email_confirmed_at', 32).nullable();
  });
  await db('users').whereNull('email_confirmed_at').update({ email_confirmed_at: db.ref('created_at') });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('users', (t) => {
    t.dropColumns('email_confirmed_at');
  });
}
