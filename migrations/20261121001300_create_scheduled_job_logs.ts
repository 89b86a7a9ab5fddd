import { createTable } from '../src/db/migration-helpers.js';

/** Agenda's persistent job event log (start, success, fail, retry…) for the SQLite job store; shown by Agendash. */
export const { up, down } = createTable('scheduled_job_logs', (t) => {
  t.increments('id').primary();
  t.bigInteger('timestamp').notNullable(); // epoch ms, like the job times
  t.string('level', 10).notNullable();
  t.string('event', 32).notNullable();
  t.string('job_id', 36).nullable();
  t.string('job_name', 255).notNullable();
  t.text('message').notNullable();
  t.integer('duration').nullable();
  t.text('error').nullable();
  t.integer('fail_count').nullable();
  t.integer('retry_delay').nullable();
  t.integer('retry_attempt').nullable();
  t.string('agenda_name', 255).nullable();
  t.text('meta').nullable();
  t.index(['job_name', 'timestamp'], 'scheduled_job_logs_job_name_idx');
  t.index(['job_id'], 'scheduled_job_logs_job_id_idx');
  t.index(['timestamp'], 'scheduled_job_logs_timestamp_idx');
});
