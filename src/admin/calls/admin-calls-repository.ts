import type { Db } from '../../db/database.js';
import { escapeLike, orWhereLike } from '../../db/like.js';
import { holdTermsJson } from '../../ledger/ledger-reads.js';
import { FINAL_STATUSES } from '../../calls/call-state.js';
import { callsRepository, toRecord, type CallEvent, type CallRecord } from '../../calls/calls-repository.js';

export const CALLS_PAGE_SIZE = 50;
/** Filterable statuses: every final one, plus `live` (any stage before the end) and `ending`. */
export const CALL_STATUS_FILTERS = ['live', 'ending', ...FINAL_STATUSES] as const;

export interface CallFilter {
  status: string;
  user: string;
  country: string;
  /** YYYY-MM-DD (UTC), validated by the caller. */
  day: string;
  page: number;
}

export interface AdminCall extends CallRecord {
  email: string;
}

type Row = Parameters<typeof toRecord>[0] & { email: string };

/** Calls across every user, for admins only: live ones (one indexed read) and the rest a page at a time. */
export function adminCallsRepository(db: Db) {
  const calls = callsRepository(db);

  function filtered(filter: Omit<CallFilter, 'page'>) {
    const query = db('calls as c').join('users as u', 'u.id', 'c.user_id');
    if (filter.status === 'live') query.whereNotNull('c.live_user_id');
    else if (filter.status) query.where('c.status', filter.status);
    if (filter.user) {
      query.where((w) => {
        orWhereLike(w, 'u.email', `%${escapeLike(filter.user)}%`);
        if (/^\d{1,12}$/.test(filter.user)) w.orWhere('u.id', Number(filter.user));
      });
    }
    if (filter.country) query.where('c.to_country', filter.country);
    if (filter.day) {
      const start = `${filter.day}T00:00:00.000Z`;
      const end = new Date(Date.parse(start) + 86_400_000).toISOString();
      query.where('c.created_at', '>=', start).andWhere('c.created_at', '<', end);
    }
    return query;
  }

  return {
    async live(): Promise<AdminCall[]> {
      const rows: Row[] = await db('calls as c').join('users as u', 'u.id', 'c.user_id').whereNotNull('c.live_user_id').orderBy('c.created_at', 'desc').limit(200).select('c.*', 'u.email');
      return rows.map((r) => ({ ...toRecord(r), email: r.email }));
    },

    async page(filter: CallFilter): Promise<{ rows: AdminCall[]; total: number; page: number; pages: number }> {
      const countRow = await filtered(filter).count<{ n: number | string }[]>({ n: '*' }).first();
      const total = Number(countRow?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / CALLS_PAGE_SIZE));
      const page = Math.min(Math.max(1, filter.page), pages);
      const rows: Row[] = await filtered(filter)
        .orderBy('c.created_at', 'desc')
        .limit(CALLS_PAGE_SIZE)
        .offset((page - 1) * CALLS_PAGE_SIZE)
        .select('c.*', 'u.email');
      return { rows: rows.map((r) => ({ ...toRecord(r), email: r.email })), total, page, pages };
    },

    async detail(id: string): Promise<{ call: AdminCall; events: CallEvent[]; tariffs: string | undefined } | undefined> {
      if (!/^cl_[a-z2-7]{20}$/.test(id)) return undefined;
      const call = await calls.find(id);
      if (!call) return undefined;
      const [user, events, hold] = await Promise.all([
        db('users').where({ id: call.userId }).first<{ email: string }>('email'),
        calls.events(id),
        holdTermsJson(db, id),
      ]);
      return { call: { ...call, email: user?.email ?? '' }, events, tariffs: hold };
    },

    /** The dashboard's call figures since `since` (ISO), and right now. */
    async figures(todayStart: string, since: string) {
      const [today, live, period] = await Promise.all([
        db('calls').where('created_at', '>=', todayStart).count({ n: '*' }).sum({ talk: 'bridged_seconds' }).first(),
        db('calls').whereNotNull('live_user_id').count({ n: '*' }).first(),
        db('calls')
          .where('created_at', '>=', since)
          .whereIn('status', [...FINAL_STATUSES])
          .count({ n: '*' })
          .sum({ uncollected: 'uncollected_cost_micros' })
          .sum({ answered: db.raw('CASE WHEN bridged_seconds > 0 THEN 1 ELSE 0 END') })
          .first(),
      ]);
      const n = (row: Record<string, unknown> | undefined, key: string) => Number(row?.[key] ?? 0);
      return {
        callsToday: n(today, 'n'),
        talkSecondsToday: n(today, 'talk'),
        live: n(live, 'n'),
        finished: n(period, 'n'),
        answered: n(period, 'answered'),
        uncollectedMicros: n(period, 'uncollected'),
      };
    },
  };
}

export type AdminCallsRepository = ReturnType<typeof adminCallsRepository>;
