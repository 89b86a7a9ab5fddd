import type { Knex } from 'knex';

/**
 * A team's recording policy (issue 30): 'off' (team calls are never recorded), 'optional' (the member's own
 * preference decides) or 'always'. Personal accounts keep 'optional': their user's preference decides.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('accounts', (t) => {
    t.string('recording_policy', 16).notNullable().defaultTo('optional');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('accounts', (t) => {
    t.dropColumn('recording_policy');
  });
}
