import { toJobId, type JobParameters } from 'agenda';

/** One row of scheduled_jobs as SQLite returns it: times are epoch ms, booleans 0/1, data and skip_days JSON text. */
export interface JobRow {
  id: string;
  name: string;
  priority: number;
  next_run_at: number | null;
  type: string;
  locked_at: number | null;
  last_run_at: number | null;
  last_finished_at: number | null;
  failed_at: number | null;
  fail_count: number | null;
  fail_reason: string | null;
  repeat_interval: string | null;
  repeat_timezone: string | null;
  repeat_at: string | null;
  data: string | null;
  disabled: number | boolean;
  progress: number | null;
  fork: number | boolean;
  last_modified_by: string | null;
  debounce_started_at: number | null;
  start_date: number | null;
  end_date: number | null;
  skip_days: string | null;
}

export type JobColumns = Omit<JobRow, 'id'>;

/** Agenda passes Dates, but dashboards and JSON round-trips hand over ISO strings; both become epoch ms. */
export function toMillis(value: Date | string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function toDate(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(Number(ms));
}

/** A numeric interval ("every 60000 ms") is stored as digits and comes back as the number Agenda was given. */
function encodeInterval(interval: string | number | undefined): string | null {
  return interval === undefined || interval === null || interval === '' ? null : String(interval);
}

function decodeInterval(stored: string | null): string | number | undefined {
  if (stored === null) return undefined;
  return /^\d+$/.test(stored) ? Number(stored) : stored;
}

export function rowToJob(row: JobRow): JobParameters {
  return {
    _id: toJobId(row.id),
    name: row.name,
    priority: row.priority,
    nextRunAt: row.next_run_at === null ? null : new Date(Number(row.next_run_at)),
    type: row.type === 'single' ? 'single' : 'normal',
    lockedAt: toDate(row.locked_at),
    lastRunAt: toDate(row.last_run_at),
    lastFinishedAt: toDate(row.last_finished_at),
    failedAt: toDate(row.failed_at),
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    repeatInterval: decodeInterval(row.repeat_interval),
    repeatTimezone: row.repeat_timezone ?? undefined,
    repeatAt: row.repeat_at ?? undefined,
    data: row.data === null ? undefined : JSON.parse(row.data),
    disabled: Boolean(row.disabled),
    progress: row.progress ?? undefined,
    fork: Boolean(row.fork),
    lastModifiedBy: row.last_modified_by ?? undefined,
    debounceStartedAt: toDate(row.debounce_started_at),
    startDate: toDate(row.start_date),
    endDate: toDate(row.end_date),
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
  };
}

/**
 * The columns a user-level save writes. Processor-owned state (lockedAt, lastRunAt, lastFinishedAt, progress)
 * is left out, as in the official backends, so saving a job never clobbers a run in progress.
 */
export function definitionColumns(job: JobParameters, lastModifiedBy: string | undefined): Omit<JobColumns, 'locked_at' | 'last_run_at' | 'last_finished_at' | 'progress' | 'debounce_started_at'> {
  return {
    name: job.name,
    priority: job.priority ?? 0,
    next_run_at: toMillis(job.nextRunAt),
    type: job.type === 'single' ? 'single' : 'normal',
    failed_at: toMillis(job.failedAt),
    fail_count: job.failCount ?? null,
    fail_reason: job.failReason ?? null,
    repeat_interval: encodeInterval(job.repeatInterval),
    repeat_timezone: job.repeatTimezone || null,
    repeat_at: job.repeatAt || null,
    data: JSON.stringify(job.data ?? null),
    disabled: job.disabled ? 1 : 0,
    fork: job.fork ? 1 : 0,
    last_modified_by: lastModifiedBy ?? null,
    start_date: toMillis(job.startDate),
    end_date: toMillis(job.endDate),
    skip_days: job.skipDays ? JSON.stringify(job.skipDays) : null,
  };
}

/** The columns the job processor owns: written by saveJobState while a job runs. */
export function stateColumns(job: JobParameters, lastModifiedBy: string | undefined): Partial<JobColumns> {
  return {
    locked_at: toMillis(job.lockedAt),
    next_run_at: toMillis(job.nextRunAt),
    last_run_at: toMillis(job.lastRunAt),
    progress: job.progress ?? null,
    fail_reason: job.failReason ?? null,
    fail_count: job.failCount ?? null,
    failed_at: toMillis(job.failedAt),
    last_finished_at: toMillis(job.lastFinishedAt),
    last_modified_by: lastModifiedBy ?? null,
  };
}
