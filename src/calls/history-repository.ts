import type { Db } from '../db/database.js';
import { preparedQueries } from '../db/prepared-queries.js';
import { FINAL_STATUSES, LIVE_STATUSES } from './call-state.js';
import { toRecord, type CallRecord } from './calls-repository.js';
import type { CallCursor } from './history-cursor.js';
import type { HistoryFilter } from './history-filters.js';

/** Every status a call can have, for filters and the API document. */
export const CALL_STATUSES: readonly string[] = [...LIVE_STATUSES, 'ending', ...FINAL_STATUSES];
const IN_PROGRESS: readonly string[] = [...LIVE_STATUSES, 'ending'];

export interface HistoryPage {
  calls: CallRecord[];
  /** The cursor of the next (older) page, or undefined on the last page. */
  next: CallCursor | undefined;
}

export interface HistoryTotals {
  calls: number;
  costMicros: number;
  talkSeconds: number;
}

const FIND_FOR_USER = 'select * from calls where id = ? and user_id = ?';
const FIND_FOR_ACCOUNT = 'select * from calls where id = ? and account_id = ?';

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
}

/**
 * Reads for the call history and the API's call list: keyset pages on (created_at, id), newest first, served by the
 * calls_history_idx index, so the first page costs the same with 10 or 100,000 calls.
 */
export function callsHistory(db: Db) {
  const prepared = preparedQueries(db);

  function filtered(userId: number, filter: HistoryFilter) {
    const account = filter.account;
    // Every member's calls on the account (calls_account_idx), or the user's own (calls_history_idx).
    const query = account?.everyMember ? db('calls').where('account_id', account.id) : db('calls').where('user_id', userId);
    if (account && !account.everyMember) query.andWhere((q) => (account.personal ? q.where('account_id', account.id).orWhereNull('account_id') : q.where('account_id', account.id)));
    if (filter.status === 'live') query.whereIn('status', IN_PROGRESS);
    else if (filter.status) query.where('status', filter.status);
    if (filter.country) query.where('to_country', filter.country);
    // Digits only (parsed): the number starts with the calling code.
    if (filter.callingCode) query.where('to_e164', 'like', `+${filter.callingCode}%`);
    if (filter.from) query.where('created_at', '>=', `${filter.from}T00:00:00.000Z`);
    if (filter.to) query.where('created_at', '<', nextDay(filter.to));
    // Digits only (parsed), so no LIKE wildcard can come from the user.
    if (filter.number) query.where('to_e164', 'like', `%${filter.number}%`);
    return query;
  }

  async function rows(userId: number, filter: HistoryFilter, after: CallCursor | undefined, limit: number): Promise<CallRecord[]> {
    const query = filtered(userId, filter);
    if (after) query.andWhere(db.raw('(created_at, id) < (?, ?)', [after.createdAt, after.id]));
    const found = await query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
    return found.map(toRecord);
  }

  return {
    /** The API poll's one read, as a prepared statement (knex's per-query cost was most of the request). */
    async findForUser(userId: number, callId: string): Promise<CallRecord | undefined> {
      const [row] = await prepared.all<Parameters<typeof toRecord>[0]>(FIND_FOR_USER, [callId, userId]);
      return row ? toRecord(row) : undefined;
    },

    /** A call paid by the account, whichever member made it (for the account's owners and admins). */
    async findForAccount(accountId: number, callId: string): Promise<CallRecord | undefined> {
      const [row] = await prepared.all<Parameters<typeof toRecord>[0]>(FIND_FOR_ACCOUNT, [callId, accountId]);
      return row ? toRecord(row) : undefined;
    },

    async page(userId: number, filter: HistoryFilter, after: CallCursor | undefined, limit: number): Promise<HistoryPage> {
      const found = await rows(userId, filter, after, limit + 1);
      const calls = found.slice(0, limit);
      const last = calls[calls.length - 1];
      return { calls, next: found.length > limit && last ? { createdAt: last.createdAt, id: last.id } : undefined };
    },

    async totals(userId: number, filter: HistoryFilter): Promise<HistoryTotals> {
      const row = (await filtered(userId, filter).count({ n: '*' }).sum({ cost: 'cost_micros', talk: 'bridged_seconds' }).first()) as
        | { n: number | string; cost: number | string | null; talk: number | string | null }
        | undefined;
      return { calls: Number(row?.n ?? 0), costMicros: Number(row?.cost ?? 0), talkSeconds: Number(row?.talk ?? 0) };
    },

    /** Every call of the filtered set, newest first, in batches (for the streamed CSV). */
    async *batches(userId: number, filter: HistoryFilter, batch = 1000): AsyncGenerator<CallRecord[]> {
      let after: CallCursor | undefined;
      for (;;) {
        const found = await rows(userId, filter, after, batch);
        if (found.length) yield found;
        if (found.length < batch) return;
        const last = found[found.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
      }
    },
  };
}

export type CallsHistory = ReturnType<typeof callsHistory>;
