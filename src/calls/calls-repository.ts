import type { Knex } from 'knex';
import type { Db } from '../db/database.js';
import { preparedQueries } from '../db/prepared-queries.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { callChangeWriter } from './call-change-writes.js';
import { eventValues, FIND_SQL, INSERT_EVENT_SQL, patchSql, toRecord, type CallEvent, type CallPatch, type CallRecord, type CallRow, type CostBreakdown, type KeyedEvent } from './call-rows.js';

export type { CallChange, CallEvent, CallPatch, CallRecord, CostBreakdown, KeyedEvent, LegBreakdown } from './call-rows.js';
export { eventValues, INSERT_EVENT_SQL, toRecord } from './call-rows.js';

export interface NewCall {
  id: string;
  userId: number;
  /** The account that pays (its wallet holds the credit); absent: the user's personal account, filled by settlement's reads. */
  accountId?: number | null;
  toE164: string;
  toCountry: string | null;
  fromE164: string;
  confirmAnswer: boolean;
  createdAt: string;
  expectedEndAt: string;
  timeLimitS: number;
  talkLimitS: number;
  dialTimeoutS: number;
  holdMicros: number;
}

export type CallsRepository = ReturnType<typeof callsRepository>;

const FIND_WITH_SESSION_SQL =
  'select calls.*, sessions.data as session_data from calls inner join sessions on sessions.sid = ? where calls.id = ? and sessions.expires_at > ? limit 1';

export function callsRepository(db: Db) {
  // The hot paths (status polls, webhooks) use prepared statements: knex's per-query cost dominated them.
  const prepared = preparedQueries(db);
  const changeCall = callChangeWriter(prepared);
  return {
    db,
    /**
     * Inserts a call row as given, live; false when the user already has a live call (the unique index decides).
     * Benches and tests seed calls with it; the product places calls with their hold through call-placement.ts.
     */
    async insertLive(call: NewCall): Promise<boolean> {
      try {
        await db('calls').insert({
          id: call.id, user_id: call.userId, account_id: call.accountId ?? null, live_user_id: call.userId, to_e164: call.toE164, to_country: call.toCountry,
          from_e164: call.fromE164, status: 'starting', confirm_answer: call.confirmAnswer, created_at: call.createdAt,
          expected_end_at: call.expectedEndAt, time_limit_s: call.timeLimitS, talk_limit_s: call.talkLimitS,
          dial_timeout_s: call.dialTimeoutS, hold_micros: call.holdMicros,
        });
        return true;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },
    /** Inserts a placed call, live, with its first event, inside the placement's transaction (see call-placement.ts). */
    async insertPlaced(trx: Knex.Transaction, call: NewCall, noted: KeyedEvent): Promise<void> {
      await trx('calls').insert({
        id: call.id, user_id: call.userId, account_id: call.accountId ?? null, live_user_id: call.userId, to_e164: call.toE164, to_country: call.toCountry,
        from_e164: call.fromE164, status: 'starting', confirm_answer: call.confirmAnswer, created_at: call.createdAt,
        expected_end_at: call.expectedEndAt, time_limit_s: call.timeLimitS, talk_limit_s: call.talkLimitS,
        dial_timeout_s: call.dialTimeoutS, hold_micros: call.holdMicros,
      });
      await trx.raw(INSERT_EVENT_SQL, eventValues(call.id, noted) as Knex.RawBinding[]);
    },
    /** Writes a call's cost once: a second settlement of the same call changes nothing. */
    async recordSettlement(id: string, settlement: { costMicros: number; uncollectedCostMicros: number; costBreakdown: CostBreakdown | null; settledAt: string; endedAt?: string }, trx: Db = db): Promise<number> {
      return trx('calls').where({ id }).whereNull('settled_at').update({
        cost_micros: settlement.costMicros,
        uncollected_cost_micros: settlement.uncollectedCostMicros,
        cost_breakdown: settlement.costBreakdown ? JSON.stringify(settlement.costBreakdown) : null,
        settled_at: settlement.settledAt,
        version: trx.raw('version + 1'),
        ...(settlement.endedAt ? { ended_at: settlement.endedAt, live_user_id: null } : {}),
      });
    },
    async find(id: string): Promise<CallRecord | undefined> {
      const [row] = await prepared.all<CallRow>(FIND_SQL, [id]);
      return row ? toRecord(row) : undefined;
    },
    async findForUser(id: string, userId: number): Promise<CallRecord | undefined> {
      const row = await db<CallRow>('calls').where({ id, user_id: userId }).first();
      return row ? toRecord(row) : undefined;
    },
    /** The status poll's one read: the call, and the session that must belong to its owner. */
    async findWithSession(id: string, sid: string, nowMs: number): Promise<{ call: CallRecord; sessionData: string } | undefined> {
      const [found] = await prepared.all<CallRow & { session_data: string }>(FIND_WITH_SESSION_SQL, [sid, id, nowMs]);
      return found ? { call: toRecord(found), sessionData: found.session_data } : undefined;
    },
    /** Changes what the patch names (and bumps the version, so a webhook deciding on an older read tries again). */
    async update(id: string, patch: CallPatch): Promise<void> {
      const { sql, values } = patchSql(id, patch);
      await prepared.run(sql, values);
    },
    /**
     * Applies an event to a call: reads it, lets `decide` (pure, no I/O) say what the event does to it, and writes the
     * patch and the events atomically, deciding again if another writer changed the call meanwhile (call-change-writes.ts).
     * Undefined for an unknown call; otherwise the call as the winning decision saw it, that decision, and whether
     * its events were recorded (false for a repeat of an event already recorded).
     */
    changeCall,
    async events(callId: string): Promise<CallEvent[]> {
      const rows: { source: CallEvent['source']; event: string; sequence: number | null; params: string | null; received_at: string }[] =
        await db('call_events').where({ call_id: callId }).orderBy('id').select('source', 'event', 'sequence', 'params', 'received_at');
      return rows.map((r) => ({ source: r.source, event: r.event, sequence: r.sequence, params: r.params ? JSON.parse(r.params) : null, receivedAt: r.received_at }));
    },
    async liveCallFor(userId: number): Promise<{ id: string } | null> {
      const row = await db('calls').where({ live_user_id: userId }).first<{ id: string } | undefined>('id');
      return row ?? null;
    },
    async lastDestinationCountry(userId: number): Promise<string | null> {
      const row = await db('calls').where({ user_id: userId }).whereNotNull('to_country').orderBy('created_at', 'desc').first<{ to_country: string } | undefined>('to_country');
      return row?.to_country ?? null;
    },
    /** The calls an account paid for, newest first (a team's calls page). */
    async recentForAccount(accountId: number, limit: number): Promise<CallRecord[]> {
      const rows = await db<CallRow>('calls').where({ account_id: accountId }).orderBy('created_at', 'desc').limit(limit);
      return rows.map(toRecord);
    },
    async recentForUser(userId: number, limit: number): Promise<CallRecord[]> {
      const rows = await db<CallRow>('calls').where({ user_id: userId }).orderBy('created_at', 'desc').limit(limit);
      return rows.map((r) => toRecord(r as CallRow));
    },
    /** Unsettled calls that should be over by now: the only ones reconciliation asks Twilio about. */
    async dueForReconciliation(now: string, limit = 100): Promise<CallRecord[]> {
      const rows = await db<CallRow>('calls').whereNull('settled_at').andWhere('expected_end_at', '<', now).orderBy('expected_end_at').limit(limit);
      return rows.map((r) => toRecord(r as CallRow));
    },
  };
}
