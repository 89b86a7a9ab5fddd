import type { Knex } from 'knex';
import type { JobLogEntry, JobLogger, JobLogQuery, JobLogQueryResult } from 'agenda';

interface LogRow {
  id: number;
  timestamp: number;
  level: string;
  event: string;
  job_id: string | null;
  job_name: string;
  message: string;
  duration: number | null;
  error: string | null;
  fail_count: number | null;
  retry_delay: number | null;
  retry_attempt: number | null;
  agenda_name: string | null;
  meta: string | null;
}

/**
 * Agenda's persistent job log in the app's SQLite database (table from the migrations). Agenda only writes to it
 * when the scheduler is created with logging on; Agendash reads it.
 */
export class SqliteJobLogger implements JobLogger {
  constructor(
    private readonly db: Knex,
    private readonly table = 'scheduled_job_logs',
  ) {}

  async log(entry: Omit<JobLogEntry, '_id'>): Promise<void> {
    await this.db(this.table).insert({
      timestamp: entry.timestamp.getTime(),
      level: entry.level,
      event: entry.event,
      job_id: entry.jobId ?? null,
      job_name: entry.jobName,
      message: entry.message,
      duration: entry.duration ?? null,
      error: entry.error ?? null,
      fail_count: entry.failCount ?? null,
      retry_delay: entry.retryDelay ?? null,
      retry_attempt: entry.retryAttempt ?? null,
      agenda_name: entry.agendaName ?? null,
      meta: entry.meta ? JSON.stringify(entry.meta) : null,
    });
  }

  async getLogs(query: JobLogQuery = {}): Promise<JobLogQueryResult> {
    const filtered = this.filtered(query);
    const total = Number((await filtered.clone().count({ count: '*' }).first())?.count ?? 0);
    const rows: LogRow[] = await filtered
      .select('*')
      .orderBy([{ column: 'timestamp', order: query.sort ?? 'desc' }, { column: 'id', order: query.sort ?? 'desc' }])
      .limit(query.limit ?? 50)
      .offset(query.offset ?? 0);
    return { entries: rows.map(rowToEntry), total };
  }

  async clearLogs(query: JobLogQuery = {}): Promise<number> {
    return this.filtered(query).delete();
  }

  private filtered(query: JobLogQuery): Knex.QueryBuilder {
    const builder = this.db(this.table);
    if (query.jobId) builder.where('job_id', query.jobId);
    if (query.jobName) builder.where('job_name', query.jobName);
    if (query.level) builder.whereIn('level', ([] as string[]).concat(query.level));
    if (query.event) builder.whereIn('event', ([] as string[]).concat(query.event));
    if (query.from) builder.where('timestamp', '>=', query.from.getTime());
    if (query.to) builder.where('timestamp', '<=', query.to.getTime());
    return builder;
  }
}

function rowToEntry(row: LogRow): JobLogEntry {
  return {
    _id: String(row.id),
    timestamp: new Date(Number(row.timestamp)),
    level: row.level as JobLogEntry['level'],
    event: row.event as JobLogEntry['event'],
    jobName: row.job_name,
    message: row.message,
    ...(row.job_id !== null ? { jobId: row.job_id } : {}),
    ...(row.duration !== null ? { duration: row.duration } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.fail_count !== null ? { failCount: row.fail_count } : {}),
    ...(row.retry_delay !== null ? { retryDelay: row.retry_delay } : {}),
    ...(row.retry_attempt !== null ? { retryAttempt: row.retry_attempt } : {}),
    ...(row.agenda_name !== null ? { agendaName: row.agenda_name } : {}),
    ...(row.meta !== null ? { meta: JSON.parse(row.meta) as Record<string, unknown> } : {}),
  };
}
