import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { DebounceOptions, JobParameters, JobRepositoryOptions } from 'agenda';
import { whereUnique } from './job-filters.js';
import type { RawSqlite, SyncStatements } from '../../db/raw-sqlite.js';
import { definitionColumns, rowToJob, type JobRow } from './job-row.js';

export interface SaveContext {
  db: Knex;
  raw: RawSqlite;
  table: string;
  now: () => Date;
}

/**
 * Agenda's save semantics, as the official backends implement them:
 * - a job with an _id is updated in place (and returned unchanged if it was removed meanwhile);
 * - a 'single' job (agenda.every) is upserted by name, keeping an already-due next run so a restart does not skip it;
 * - a job with `unique` is upserted by that constraint; `insertOnly` returns an existing match untouched, and
 *   `debounce` moves the run time (trailing, capped by maxWait) or keeps it (leading);
 * - anything else is inserted.
 */
export async function saveJob<DATA>(ctx: SaveContext, job: JobParameters<DATA>, options?: JobRepositoryOptions): Promise<JobParameters<DATA>> {
  if (job._id) return updateById(ctx, job, options);
  if (job.type === 'single') return ctx.raw.immediateTransaction((sql) => upsertSingle(ctx, sql, job, options)) as Promise<JobParameters<DATA>>;
  if (job.unique) return ctx.raw.immediateTransaction((sql) => upsertUnique(ctx, sql, job, options)) as Promise<JobParameters<DATA>>;
  const [row] = await ctx.db<JobRow>(ctx.table).insert({ id: randomUUID(), ...definitionColumns(job, options?.lastModifiedBy) }).returning('*');
  return rowToJob(row as JobRow) as JobParameters<DATA>;
}

async function updateById<DATA>(ctx: SaveContext, job: JobParameters<DATA>, options?: JobRepositoryOptions): Promise<JobParameters<DATA>> {
  const rows = await ctx.db<JobRow>(ctx.table)
    .where({ id: String(job._id), name: job.name })
    .update(definitionColumns(job, options?.lastModifiedBy))
    .returning('*');
  const row = rows[0] as JobRow | undefined;
  return row ? (rowToJob(row) as JobParameters<DATA>) : job;
}

function upsertSingle(ctx: SaveContext, sql: SyncStatements, job: JobParameters, options?: JobRepositoryOptions): JobParameters {
  const columns = definitionColumns(job, options?.lastModifiedBy);
  const [existing] = sql.all<JobRow>(ctx.db(ctx.table).where({ name: job.name, type: 'single' }).limit(1));
  if (!existing) return insertRow(ctx, sql, columns);
  // A caller asking for "now" must not pull forward or erase a next run the existing job already has.
  const askedForDueRun = columns.next_run_at !== null && columns.next_run_at <= ctx.now().getTime();
  const nextRunAt = askedForDueRun ? (existing.next_run_at ?? columns.next_run_at) : columns.next_run_at;
  // As upstream: the failure history of the existing row is kept.
  const { failed_at: _f, fail_count: _c, fail_reason: _r, ...update } = columns;
  return updateRow(ctx, sql, existing.id, { ...update, next_run_at: nextRunAt });
}

function upsertUnique(ctx: SaveContext, sql: SyncStatements, job: JobParameters, options?: JobRepositoryOptions): JobParameters {
  const columns = definitionColumns(job, options?.lastModifiedBy);
  const debounce = job.uniqueOpts?.debounce;
  const matchQuery = ctx.db(ctx.table).where('name', job.name).limit(1);
  whereUnique(matchQuery, job.unique ?? {});
  const [existing] = sql.all<JobRow>(matchQuery);
  const now = ctx.now().getTime();
  if (!existing) {
    const nextRunAt = debounce && debounce.strategy !== 'leading' ? now + debounce.delay : columns.next_run_at;
    return insertRow(ctx, sql, { ...columns, next_run_at: nextRunAt, debounce_started_at: debounce ? now : null });
  }
  if (job.uniqueOpts?.insertOnly && !debounce) return rowToJob(existing);
  const timing = debounce ? debouncedTiming(debounce, existing, now) : { next_run_at: columns.next_run_at, debounce_started_at: null };
  return updateRow(ctx, sql, existing.id, { ...columns, ...timing });
}

function debouncedTiming(debounce: DebounceOptions, existing: JobRow, now: number): { next_run_at: number | null; debounce_started_at: number | null } {
  const startedAt = existing.debounce_started_at ?? now;
  if (debounce.strategy === 'leading') return { next_run_at: existing.next_run_at, debounce_started_at: startedAt };
  if (debounce.maxWait && now - startedAt >= debounce.maxWait) return { next_run_at: now, debounce_started_at: null };
  return { next_run_at: now + debounce.delay, debounce_started_at: startedAt };
}

function insertRow(ctx: SaveContext, sql: SyncStatements, columns: object): JobParameters {
  const [row] = sql.all<JobRow>(ctx.db(ctx.table).insert({ id: randomUUID(), ...columns }).returning('*'));
  return rowToJob(row as JobRow);
}

function updateRow(ctx: SaveContext, sql: SyncStatements, id: string, columns: object): JobParameters {
  const [row] = sql.all<JobRow>(ctx.db(ctx.table).where('id', id).update(columns).returning('*'));
  return rowToJob(row as JobRow);
}
