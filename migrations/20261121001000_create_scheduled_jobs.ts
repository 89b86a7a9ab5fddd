import { createTable } from '../src/db/migration-helpers.js';

/**
 * Agenda's jobs for the embedded SQLite job store (src/jobs/sqlite-backend). Times are integer epoch milliseconds
 * so they sort and compare as numbers; data and skip_days hold JSON text. Named scheduled_jobs, not agenda_jobs,
 * so it never collides with the table @agendajs/postgres-backend creates for itself on PostgreSQL.
 */
export const { up, down } = createTable('scheduled_jobs', (t) => {
  t.string('id', 36).primary();
  t.string('name', 255).notNullable();
  t.integer('priority').notNullable().defaultTo(0);
  t.bigInteger('next_run_at').nullable();
  t.string('type', 10).notNullable().defaultTo('normal');
  t.bigInteger('locked_at').nullable();
  t.bigInteger('last_run_at').nullable();
  t.bigInteger('last_finished_at').nullable();
  t.bigInteger('failed_at').nullable();
  t.integer('fail_count').nullable();
  t.text('fail_reason').nullable();
  t.string('repeat_interval', 255).nullable();
  t.string('repeat_timezone', 100).nullable();
  t.string('repeat_at', 255).nullable();
  t.text('data').nullable();
  t.boolean('disabled').notNullable().defaultTo(false);
  t.float('progress').nullable();
  t.boolean('fork').notNullable().defaultTo(false);
  t.string('last_modified_by', 255).nullable();
  t.bigInteger('debounce_started_at').nullable();
  t.bigInteger('start_date').nullable();
  t.bigInteger('end_date').nullable();
  t.string('skip_days', 64).nullable();
  // Queue size counts due jobs of every name. The lock query's index is in its own migration (it needs DESC).
  t.index(['next_run_at'], 'scheduled_jobs_next_run_at_idx');
});
