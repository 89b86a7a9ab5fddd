import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { escapeLike, whereLike } from '../db/like.js';

/** What every admin change records. Written with the caller's transaction, so the change and its record commit together. */
export interface AuditEntry {
  /** Null for the system itself (a velocity alert's hold). */
  actorId: number | null;
  action: string;
  /** What was changed, e.g. "rate 44", "user 12", "country GB". */
  subject: string;
  summary: string;
  oldValue?: unknown;
  newValue?: unknown;
}

export interface AuditRecord {
  id: number;
  actorId: number | null;
  actorEmail: string | null;
  action: string;
  subject: string;
  summary: string;
  oldValue: string | null;
  newValue: string | null;
  createdAt: string;
}

export interface AuditFilter {
  action?: string | undefined;
  actor?: string | undefined;
  subject?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const MAX_VALUE_CHARS = 20_000;

function serialise(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

export async function recordAudit(trx: Knex.Transaction, clock: Clock, entry: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    actor_id: entry.actorId,
    action: entry.action,
    subject: entry.subject.slice(0, 120),
    summary: entry.summary.slice(0, 300),
    old_value: serialise(entry.oldValue),
    new_value: serialise(entry.newValue),
    created_at: clock.now().toISOString(),
  });
}

interface AuditRow {
  id: number;
  actor_id: number | null;
  actor_email: string | null;
  action: string;
  subject: string;
  summary: string;
  old_value: string | null;
  new_value: string | null;
  created_at: string;
}

export function auditRepository(db: Db) {
  function filtered(filter: AuditFilter) {
    const query = db('audit_log as a').leftJoin('users as u', 'u.id', 'a.actor_id');
    if (filter.action) query.where('a.action', filter.action);
    if (filter.actor) whereLike(query, 'u.email', `%${escapeLike(filter.actor)}%`);
    if (filter.subject) query.where('a.subject', filter.subject);
    if (filter.from) query.where('a.created_at', '>=', filter.from);
    if (filter.to) query.where('a.created_at', '<', filter.to);
    return query;
  }

  return {
    async page(filter: AuditFilter, page: number, perPage = 50): Promise<{ rows: AuditRecord[]; total: number; page: number; pages: number }> {
      const countRow = await filtered(filter).count<{ n: number | string }[]>({ n: '*' }).first();
      const total = Number(countRow?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / perPage));
      const current = Math.min(Math.max(1, page), pages);
      const rows: AuditRow[] = await filtered(filter)
        .select('a.*', 'u.email as actor_email')
        .orderBy('a.id', 'desc')
        .limit(perPage)
        .offset((current - 1) * perPage);
      return { rows: rows.map(toRecord), total, page: current, pages };
    },

    async actions(): Promise<string[]> {
      const rows: { action: string }[] = await db('audit_log').distinct('action').orderBy('action');
      return rows.map((r) => r.action);
    },
  };
}

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: Number(r.id),
    actorId: r.actor_id === null ? null : Number(r.actor_id),
    actorEmail: r.actor_email,
    action: r.action,
    subject: r.subject,
    summary: r.summary,
    oldValue: r.old_value,
    newValue: r.new_value,
    createdAt: r.created_at,
  };
}

export type AuditRepository = ReturnType<typeof auditRepository>;
