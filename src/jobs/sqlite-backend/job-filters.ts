import type { Knex } from 'knex';
import type { JobsSort, RemoveJobsOptions } from 'agenda';

/**
 * JSON matching in SQLite: `data` is JSON text, so "data contains {a: {b: 1}}" (Postgres' `@>`) becomes one
 * json_extract comparison per leaf. Arrays and other non-object leaves must be equal as JSON.
 */
export function whereDataContains(query: Knex.QueryBuilder, expected: unknown, path = '$'): void {
  if (isPlainObject(expected)) {
    const entries = Object.entries(expected);
    if (path === '$') query.whereRaw(`json_type(data) = 'object'`);
    for (const [key, value] of entries) whereDataContains(query, value, `${path}.${quoteJsonKey(key)}`);
    return;
  }
  whereJsonEquals(query, path, expected);
}

/** `unique: { 'data.callId': 'c1', name: 'x' }`: data paths compare JSON values, other keys compare columns. */
export function whereUnique(query: Knex.QueryBuilder, unique: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(unique)) {
    if (key.startsWith('data.')) {
      const path = `$.${key.slice(5).split('.').map(quoteJsonKey).join('.')}`;
      whereJsonEquals(query, path, value);
    } else {
      const column = uniqueColumn(key);
      if (value === null || value === undefined) query.whereNull(column);
      else query.where(column, toSqlValue(value));
    }
  }
}

function whereJsonEquals(query: Knex.QueryBuilder, path: string, expected: unknown): void {
  if (expected === null || expected === undefined) {
    query.whereRaw(`json_type(data, ?) = 'null'`, [path]);
  } else if (typeof expected === 'object') {
    // json() normalises both sides, so key order inside an array of objects is compared as written.
    query.whereRaw(`json_extract(data, ?) = json(?)`, [path, JSON.stringify(expected)]);
  } else if (LITERAL_PATH.test(path)) {
    // Written out, not bound: SQLite uses an expression index (scheduled_jobs_call_id_idx) only for the same
    // expression, and hangups are upserted by data.callId once per call.
    query.whereRaw(`json_extract(data, '${path}') = ?`, [toSqlValue(expected)]);
  } else {
    query.whereRaw(`json_extract(data, ?) = ?`, [path, toSqlValue(expected)]);
  }
}

/** Paths of plain quoted keys ($."callId"."x"): safe to write into the SQL, with no quote or knex placeholder. */
const LITERAL_PATH = /^\$(\."[A-Za-z0-9_]+")+$/;

/** The job fields a `unique` constraint may name, mapped to columns; anything else is refused (no SQL injection). */
const uniqueColumns: Record<string, string> = {
  _id: 'id',
  id: 'id',
  name: 'name',
  priority: 'priority',
  type: 'type',
  repeatInterval: 'repeat_interval',
  repeatTimezone: 'repeat_timezone',
  repeatAt: 'repeat_at',
  disabled: 'disabled',
  nextRunAt: 'next_run_at',
};

function uniqueColumn(key: string): string {
  const column = uniqueColumns[key];
  if (!column) throw new Error(`Invalid unique constraint field: "${key}"`);
  return column;
}

function toSqlValue(value: unknown): string | number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return String(value);
}

function quoteJsonKey(key: string): string {
  return `"${key.replace(/"/g, '\\"')}"`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * The documented filters of cancel/disable/enable: id or ids, name or names or notNames, and data.
 * Returns false when no criterion was given, which callers treat as "touch nothing" rather than "everything".
 */
export function applyJobFilter(query: Knex.QueryBuilder, options: RemoveJobsOptions): boolean {
  let constrained = false;
  if (options.id) {
    query.where('id', String(options.id));
    constrained = true;
  } else if (options.ids && options.ids.length > 0) {
    query.whereIn('id', options.ids.map(String));
    constrained = true;
  }
  if (options.name) {
    query.where('name', options.name);
    constrained = true;
  } else if (options.names && options.names.length > 0) {
    query.whereIn('name', options.names);
    constrained = true;
  } else if (options.notNames && options.notNames.length > 0) {
    query.whereNotIn('name', options.notNames);
    constrained = true;
  }
  if (options.data !== undefined) {
    whereDataContains(query, options.data);
    constrained = true;
  }
  return constrained;
}

const sortColumns: Record<keyof JobsSort, string> = {
  nextRunAt: 'next_run_at',
  lastRunAt: 'last_run_at',
  lastFinishedAt: 'last_finished_at',
  priority: 'priority',
  name: 'name',
  data: 'data',
};

/** Same default as the official backends: latest next run first, then latest last run; NULLs always last. */
export function orderByClause(sort: JobsSort | undefined): string {
  const parts: string[] = [];
  for (const [field, direction] of Object.entries(sort ?? {})) {
    const column = sortColumns[field as keyof JobsSort];
    if (!column || direction === undefined) continue;
    const dir = direction === 'asc' ? 'ASC' : 'DESC';
    parts.push(`${column} ${dir} NULLS LAST`);
  }
  if (parts.length === 0) parts.push('next_run_at DESC NULLS LAST', 'last_run_at DESC NULLS LAST');
  // A final tie-breaker keeps paging stable when many jobs share the same times.
  parts.push('id ASC');
  return parts.join(', ');
}
