import type { Knex } from 'knex';

/**
 * At most one 'single' job (what agenda.every() saves) per name, even when two processes save it at once.
 * A partial index, which knex's builder cannot express portably, so the SQL is written out; it is valid on both
 * SQLite and PostgreSQL.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`CREATE UNIQUE INDEX scheduled_jobs_single_name_idx ON scheduled_jobs (name) WHERE type = 'single'`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX scheduled_jobs_single_name_idx');
}
