import type { Knex } from 'knex';
import { isSqlite } from '../src/db/database.js';

/**
 * Scheduling a hangup upserts by the job's data.callId (one hangup per call). Without an index on that value each
 * save read the JSON of every pending hangup, so scheduling 10,000 took minutes. SQLite uses an expression index
 * only for the same expression, so the job store writes this exact path (job-filters.ts). PostgreSQL keeps the
 * same index on its copy of the table (its job store, @agendajs/postgres-backend, uses a table of its own).
 */
export async function up(db: Knex): Promise<void> {
  const callId = isSqlite(db) ? `json_extract(data, '$."callId"')` : `((data::jsonb) ->> 'callId')`;
  await db.raw(`CREATE INDEX scheduled_jobs_call_id_idx ON scheduled_jobs (name, ${callId})`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX scheduled_jobs_call_id_idx');
}
