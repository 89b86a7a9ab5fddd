import type { Knex } from 'knex';
import {
  computeJobState,
  type JobId,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import { applyJobFilter, orderByClause, whereDataContains } from './job-filters.js';
import { rowToJob, stateColumns, toMillis, type JobRow } from './job-row.js';
import { deleteByIdSql, lockJobSql, lockNextJobSql, saveStateSql, selectByIdSql } from './lock-sql.js';
import { RawSqlite } from '../../db/raw-sqlite.js';
import { saveJob } from './save-job.js';
import { isLastSaveBeforeRemoval } from './finished-run.js';

export interface SqliteJobRepositoryOptions {
  /** The app's knex instance on SQLite (better-sqlite3); the table comes from the migrations. */
  db: Knex;
  table?: string;
  /** Default lock time when Agenda does not pass one, and "now" for queue size and computed states. */
  now?: () => Date;
  /** Whether Agenda deletes a job of this name once a run succeeds (removeOnComplete); see finished-run.ts. */
  removesOnSuccess?: (name: string) => boolean;
}

/** Far above the runs in flight at once (the sum of the definitions' concurrency). */
const maxPendingRemovals = 10_000;

/**
 * Agenda's JobRepository on SQLite, with the semantics of @agendajs/postgres-backend. Every lock is a single
 * `UPDATE … WHERE id IN (SELECT … LIMIT 1) RETURNING *` (lock-sql.ts): SQLite takes the write lock when the
 * statement starts, so the pick and the lock are one atomic step for any number of connections and processes
 * sharing the database file. Times are epoch ms; data is JSON text.
 */
export class SqliteJobRepository implements JobRepository {
  private readonly db: Knex;
  private readonly table: string;
  private readonly quotedTable: string;
  private readonly now: () => Date;
  private readonly raw: RawSqlite;
  private readonly removesOnSuccess: (name: string) => boolean;
  /** Ids deleted at a run's last save whose removal by Agenda has not come yet (see removeJobs). */
  private readonly deletedAtLastSave = new Set<string>();

  constructor(options: SqliteJobRepositoryOptions) {
    this.db = options.db;
    this.table = options.table ?? 'scheduled_jobs';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(this.table)) throw new Error(`Invalid job table name: ${this.table}`);
    this.quotedTable = `"${this.table}"`;
    this.now = options.now ?? (() => new Date());
    this.raw = new RawSqlite(options.db);
    this.removesOnSuccess = options.removesOnSuccess ?? (() => false);
  }

  private jobs(): Knex.QueryBuilder<JobRow> {
    return this.db<JobRow>(this.table);
  }

  async connect(): Promise<void> {
    // The schema belongs to the migrations; fail loudly at start-up if they have not run.
    if (!(await this.db.schema.hasTable(this.table))) {
      throw new Error(`Job table "${this.table}" is missing: run the database migrations first`);
    }
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    // Read on every hangup run (deadline check) and every isRunning() call: prepared, like the lock.
    return firstJob(await this.raw.all<JobRow>(selectByIdSql(this.quotedTable), [String(id)])) ?? null;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { state, skip = 0, limit = 0 } = options;
    const query = this.filteredQuery(options);
    const now = this.now();
    if (!state) {
      // Without a state filter, paging can happen in SQL.
      const total = Number((await query.clone().clearSelect().count({ count: '*' }).first())?.count ?? 0);
      const paged = query.orderByRaw(orderByClause(options.sort));
      if (limit > 0) paged.limit(limit);
      if (skip > 0) paged.offset(skip).limit(limit > 0 ? limit : -1);
      return { jobs: (await paged).map((row: JobRow) => withState(row, now)), total };
    }
    // States are computed from timestamps, so state filtering happens after the rows are read, as upstream.
    const rows: JobRow[] = await query.orderByRaw(orderByClause(options.sort));
    const matching = rows.map((row) => withState(row, now)).filter((job) => (state === 'paused' ? job.disabled === true : job.state === state));
    return { jobs: limit > 0 ? matching.slice(skip, skip + limit) : matching.slice(skip), total: matching.length };
  }

  private filteredQuery(options: JobsQueryOptions): Knex.QueryBuilder {
    const query = this.jobs().select('*');
    if (options.name) query.where('name', options.name);
    else if (options.names && options.names.length > 0) query.whereIn('name', options.names);
    if (options.id) query.where('id', options.id);
    else if (options.ids && options.ids.length > 0) query.whereIn('id', options.ids);
    if (options.search) query.whereRaw('instr(lower(name), lower(?)) > 0', [options.search]);
    if (options.data !== undefined) whereDataContains(query, options.data);
    if (options.includeDisabled === false) query.where('disabled', false);
    return query;
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = this.now();
    const rows: JobRow[] = await this.db(this.table).select('*').orderBy('name');
    const overviews = new Map<string, JobsOverview>();
    for (const row of rows) {
      const overview = overviews.get(row.name) ?? emptyOverview(row.name);
      overviews.set(row.name, overview);
      const job = rowToJob(row);
      overview.total++;
      overview[computeJobState(job, now)]++;
      if (job.disabled) overview.paused++;
    }
    return [...overviews.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    const rows = await this.jobs().distinct('name').orderBy('name');
    return rows.map((row) => row.name);
  }

  async getQueueSize(): Promise<number> {
    const result = await this.jobs().where('next_run_at', '<', this.now().getTime()).count({ count: '*' }).first();
    return Number(result?.count ?? 0);
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    // job.remove() after each completed one-off job (removeOnComplete) is on the hot path.
    if (options.id && Object.keys(options).length === 1) {
      // Agenda removes the job its last save has just deleted (finished-run.ts). Ids are random UUIDs, never
      // reused, so that DELETE could only find nothing: answer its 0 without a write transaction.
      if (this.deletedAtLastSave.delete(String(options.id))) return 0;
      return this.raw.run(deleteByIdSql(this.quotedTable), [String(options.id)]);
    }
    const query = this.jobs();
    if (!applyJobFilter(query, options)) return 0;
    return query.delete();
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, true);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, false);
  }

  private async setDisabled(options: RemoveJobsOptions, disabled: boolean): Promise<number> {
    const query = this.jobs();
    if (!applyJobFilter(query, options)) return 0;
    return query.update({ disabled });
  }

  async purgeAllJobs(): Promise<number> {
    return this.jobs().delete();
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    return saveJob({ db: this.db, raw: this.raw, table: this.table, now: this.now }, job, options);
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    if (isLastSaveBeforeRemoval(job, this.removesOnSuccess)) {
      if ((await this.raw.run(deleteByIdSql(this.quotedTable), [String(job._id)])) !== 1) throw missingJob(job);
      // Agenda's removal follows within the same run; the bound only guards against one that never comes.
      if (this.deletedAtLastSave.size >= maxPendingRemovals) this.deletedAtLastSave.clear();
      this.deletedAtLastSave.add(String(job._id));
      return;
    }
    const state = stateColumns(job, options?.lastModifiedBy);
    const params = [
      state.locked_at,
      state.next_run_at,
      state.last_run_at,
      state.progress,
      state.fail_reason,
      state.fail_count,
      state.failed_at,
      state.last_finished_at,
      state.last_modified_by,
      String(job._id),
      job.name,
    ];
    const changed = await this.raw.run(saveStateSql(this.quotedTable), params);
    if (changed !== 1) throw missingJob(job);
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const nextRunAt = toMillis(job.nextRunAt);
    if (nextRunAt === null) return undefined;
    const params = [this.now().getTime(), options?.lastModifiedBy ?? null, String(job._id), job.name, nextRunAt];
    return firstJob(await this.raw.all<JobRow>(lockJobSql(this.quotedTable), params));
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const lockedAt = (now ?? this.now()).getTime();
    const params = [lockedAt, options?.lastModifiedBy ?? null, jobName, nextScanAt.getTime(), jobName, lockDeadline.getTime()];
    return firstJob(await this.raw.all<JobRow>(lockNextJobSql(this.quotedTable), params));
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A job whose next run is null is finishing its last run: leave its lock to the code that completes it.
    await this.jobs().where('id', String(job._id)).whereNotNull('next_run_at').update({ locked_at: null });
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.jobs().whereIn('id', jobIds.map(String)).update({ locked_at: null });
  }
}

function missingJob(job: JobParameters): Error {
  return new Error(`job ${String(job._id)} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
}

function firstJob(rows: JobRow[]): JobParameters | undefined {
  const row = rows[0];
  return row ? rowToJob(row) : undefined;
}

function withState(row: JobRow, now: Date): JobWithState {
  const job = rowToJob(row);
  return { ...job, _id: job._id as JobId, state: computeJobState(job, now) };
}

function emptyOverview(name: string): JobsOverview {
  return { name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
}
