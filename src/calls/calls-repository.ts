import type { Knex } from 'knex';
import type { Db } from '../db/database.js';
import { RawSqlite } from '../jobs/sqlite-backend/raw-sqlite.js';
import { preparedQueries, RawPostgres, type PreparedQueries } from '../db/prepared-queries.js';
import { isUniqueViolation } from '../wallet/wallet-store.js';
import type { CallFacts, CallStatus } from './call-state.js';

/** A call as the feature sees it. Money in micros, times ISO-8601 UTC. */
export interface CallRecord extends CallFacts {
  id: string;
  userId: number;
  toE164: string;
  toCountry: string | null;
  fromE164: string;
  createdAt: string;
  endedAt: string | null;
  expectedEndAt: string;
  timeLimitS: number;
  talkLimitS: number;
  dialTimeoutS: number;
  holdMicros: number;
  costMicros: number | null;
  uncollectedCostMicros: number | null;
  costBreakdown: CostBreakdown | null;
  settledAt: string | null;
}

export interface LegBreakdown {
  seconds: number;
  billedSeconds: number;
  paidSeconds: number;
  ratePerMinMicros: number;
  connectionFeeMicros: number;
  costMicros: number;
}

export interface CostBreakdown {
  firstLeg: LegBreakdown;
  bridgedLeg: LegBreakdown;
  freeSecondsUsed: number;
  chargedMicros: number;
  /** What the first leg cost us when the destination never answered (the user pays nothing then). */
  uncollectedMicros: number;
}

export interface CallEvent {
  source: 'us' | 'parent' | 'child' | 'twiml' | 'gather' | 'dial-action' | 'reconcile';
  event: string;
  sequence: number | null;
  params: Record<string, string> | null;
  receivedAt: string;
}

interface CallRow {
  id: string;
  user_id: number;
  live_user_id: number | null;
  to_e164: string;
  to_country: string | null;
  from_e164: string;
  parent_sid: string | null;
  child_sid: string | null;
  status: CallStatus;
  confirm_answer: boolean | number;
  created_at: string;
  ringing_at: string | null;
  answered_at: string | null;
  confirmed_at: string | null;
  confirm_digits: string | null;
  dial_started_at: string | null;
  bridged_at: string | null;
  parent_ended_at: string | null;
  ended_at: string | null;
  expected_end_at: string;
  time_limit_s: number;
  talk_limit_s: number;
  dial_timeout_s: number;
  first_leg_seconds: number | null;
  bridged_seconds: number | null;
  hold_micros: number | string;
  cost_micros: number | string | null;
  uncollected_cost_micros: number | string | null;
  dial_status: string | null;
  hangup_requested_at: string | null;
  failure_reason: string | null;
  cost_breakdown: string | null;
  settled_at: string | null;
  parent_final_status?: string | null;
}

const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toRecord(row: CallRow): CallRecord {
  return {
    id: row.id,
    userId: Number(row.user_id),
    toE164: row.to_e164,
    toCountry: row.to_country,
    fromE164: row.from_e164,
    parentSid: row.parent_sid,
    childSid: row.child_sid,
    status: row.status,
    confirmAnswer: Boolean(row.confirm_answer),
    createdAt: row.created_at,
    ringingAt: row.ringing_at,
    answeredAt: row.answered_at,
    confirmedAt: row.confirmed_at,
    confirmDigits: row.confirm_digits,
    dialStartedAt: row.dial_started_at,
    bridgedAt: row.bridged_at,
    parentEndedAt: row.parent_ended_at,
    parentFinalStatus: row.parent_final_status ?? null,
    endedAt: row.ended_at,
    expectedEndAt: row.expected_end_at,
    timeLimitS: row.time_limit_s,
    talkLimitS: row.talk_limit_s,
    dialTimeoutS: row.dial_timeout_s,
    firstLegSeconds: row.first_leg_seconds,
    bridgedSeconds: row.bridged_seconds,
    holdMicros: Number(row.hold_micros),
    costMicros: nullableNumber(row.cost_micros),
    uncollectedCostMicros: nullableNumber(row.uncollected_cost_micros),
    dialStatus: row.dial_status,
    hangupRequestedAt: row.hangup_requested_at,
    failureReason: row.failure_reason,
    costBreakdown: row.cost_breakdown ? (JSON.parse(row.cost_breakdown) as CostBreakdown) : null,
    settledAt: row.settled_at,
  };
}

/** The columns a change of facts or status writes; the rest never change after insert. */
const FACT_COLUMNS: Record<string, string> = {
  parentSid: 'parent_sid', childSid: 'child_sid', status: 'status', ringingAt: 'ringing_at', answeredAt: 'answered_at',
  confirmedAt: 'confirmed_at', confirmDigits: 'confirm_digits', dialStartedAt: 'dial_started_at', bridgedAt: 'bridged_at',
  parentEndedAt: 'parent_ended_at', parentFinalStatus: 'parent_final_status', endedAt: 'ended_at', expectedEndAt: 'expected_end_at',
  firstLegSeconds: 'first_leg_seconds', bridgedSeconds: 'bridged_seconds',
  dialStatus: 'dial_status', hangupRequestedAt: 'hangup_requested_at', failureReason: 'failure_reason', costMicros: 'cost_micros',
  uncollectedCostMicros: 'uncollected_cost_micros', settledAt: 'settled_at', talkLimitS: 'talk_limit_s',
};

function toColumns(patch: Partial<CallRecord>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'costBreakdown') out.cost_breakdown = value === null ? null : JSON.stringify(value);
    else if (key === 'liveUserId') out.live_user_id = value;
    else if (FACT_COLUMNS[key]) out[FACT_COLUMNS[key]] = value;
  }
  return out;
}

export interface NewCall {
  id: string;
  userId: number;
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

const FIND_SQL = 'select * from calls where id = ? limit 1';
const LOCK_SQL = 'select * from calls where id = ? for update';
const FIND_WITH_SESSION_SQL =
  'select calls.*, sessions.data as session_data from calls inner join sessions on sessions.sid = ? where calls.id = ? and sessions.expires_at > ? limit 1';
const INSERT_EVENT_SQL =
  'insert into call_events (call_id, source, event, sequence, dedupe_key, params, received_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (call_id, dedupe_key) do nothing';

export function callsRepository(db: Db) {
  // The hot paths (status polls, webhooks) use prepared statements: knex's per-query cost dominated them.
  const prepared = preparedQueries(db);
  // SQLite only: several statements on one borrowed connection, run synchronously (see findAndRecordQuiet).
  const raw = prepared instanceof RawSqlite ? prepared : undefined;
  // On PostgreSQL the webhook transaction's statements are prepared too, on the transaction's own connection.
  const inTransaction = (trx: Knex.Transaction | Db): PreparedQueries => (trx === db ? prepared : new RawPostgres(trx));
  const lockRow = async (trx: Knex.Transaction, id: string): Promise<CallRow | undefined> => {
    if (raw) return trx<CallRow>('calls').where({ id }).first();
    return (await inTransaction(trx).all<CallRow>(LOCK_SQL, [id]))[0];
  };
  return {
    db,
    /** Inserts a live call; null when the user already has one (the database's unique index decides). */
    async insertLive(call: NewCall, trx: Knex.Transaction | Db = db): Promise<boolean> {
      try {
        await trx('calls').insert({
          id: call.id, user_id: call.userId, live_user_id: call.userId, to_e164: call.toE164, to_country: call.toCountry,
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
    /** A call refused before anything happened (no credit, a bad number): it leaves no trace. */
    async delete(id: string): Promise<void> {
      await db('calls').where({ id }).delete();
    },
    /** The limits given to Twilio and the credit held, once the hold is taken. */
    async setLimits(id: string, limits: { timeLimitS: number; talkLimitS: number; dialTimeoutS: number; holdMicros: number; expectedEndAt: string }): Promise<void> {
      await db('calls').where({ id }).update({
        time_limit_s: limits.timeLimitS, talk_limit_s: limits.talkLimitS, dial_timeout_s: limits.dialTimeoutS,
        hold_micros: limits.holdMicros, expected_end_at: limits.expectedEndAt,
      });
    },
    /** Writes a call's cost once: a second settlement of the same call changes nothing. */
    async recordSettlement(id: string, settlement: { costMicros: number; uncollectedCostMicros: number; costBreakdown: CostBreakdown | null; settledAt: string; endedAt?: string }): Promise<number> {
      return db('calls').where({ id }).whereNull('settled_at').update({
        cost_micros: settlement.costMicros,
        uncollected_cost_micros: settlement.uncollectedCostMicros,
        cost_breakdown: settlement.costBreakdown ? JSON.stringify(settlement.costBreakdown) : null,
        settled_at: settlement.settledAt,
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
    async update(id: string, patch: Partial<CallRecord> & { liveUserId?: null }, trx: Knex.Transaction | Db = db): Promise<void> {
      const columns = toColumns(patch);
      if (raw) {
        await trx('calls').where({ id }).update(columns);
        return;
      }
      // One prepared statement per set of columns (names from FACT_COLUMNS only): a few dozen texts at most.
      const names = Object.keys(columns).sort();
      if (names.length === 0) return;
      await inTransaction(trx).run(`update calls set ${names.map((name) => `${name} = ?`).join(', ')} where id = ?`, [...names.map((name) => columns[name]), id]);
    },
    /** Runs `change` on the locked row; concurrent webhooks for one call are applied one after the other. */
    async withLockedCall<T>(id: string, change: (call: CallRecord, trx: Knex.Transaction) => Promise<T>): Promise<T | undefined> {
      return db.transaction(async (trx) => {
        const row = await lockRow(trx, id);
        if (!row) return undefined;
        return change(toRecord(row), trx);
      });
    },
    /**
     * Reads the call and, when `quiet(call)` says the event adds nothing to it, records the event: no lock needed,
     * and on SQLite one borrowed connection for both statements. `recorded` is undefined when the event was not quiet.
     */
    async findAndRecordQuiet(callId: string, event: CallEvent, dedupeKey: string, quiet: (call: CallRecord) => boolean): Promise<{ call?: CallRecord; recorded?: boolean }> {
      const values = [callId, event.source, event.event, event.sequence, dedupeKey, event.params ? JSON.stringify(event.params) : null, event.receivedAt];
      if (raw) {
        return raw.withStatements((statement) => {
          const row = statement(FIND_SQL).all(callId)[0] as CallRow | undefined;
          if (!row) return {};
          const call = toRecord(row);
          if (!quiet(call)) return { call };
          return { call, recorded: statement(INSERT_EVENT_SQL).run(...values).changes > 0 };
        });
      }
      const call = await this.find(callId);
      if (!call || !quiet(call)) return call ? { call } : {};
      return { call, recorded: await this.recordEvent(db, callId, event, dedupeKey) };
    },
    /** Records an event once; false when the same event (same dedupe key) was already recorded. */
    async recordEvent(trx: Knex.Transaction | Db, callId: string, event: CallEvent, dedupeKey: string): Promise<boolean> {
      const params = event.params ? JSON.stringify(event.params) : null;
      if (!raw || trx === db) {
        return (await inTransaction(trx).run(INSERT_EVENT_SQL, [callId, event.source, event.event, event.sequence, dedupeKey, params, event.receivedAt])) > 0;
      }
      const inserted = await trx('call_events')
        .insert({
          call_id: callId, source: event.source, event: event.event, sequence: event.sequence, dedupe_key: dedupeKey,
          params: event.params ? JSON.stringify(event.params) : null, received_at: event.receivedAt,
        })
        .onConflict(['call_id', 'dedupe_key'])
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },
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
