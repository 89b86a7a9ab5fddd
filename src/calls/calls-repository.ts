import type { Knex } from 'knex';
import type { Db } from '../db/database.js';
import { RawSqlite } from '../db/raw-sqlite.js';
import { preparedQueries } from '../db/prepared-queries.js';
import { isUniqueViolation } from '../db/unique-violation.js';
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
  version: number;
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

/** An event to record once per dedupe key. */
export interface KeyedEvent {
  event: CallEvent;
  dedupeKey: string;
}

export type CallPatch = Partial<CallRecord> & { liveUserId?: null };

/** What an event does to a call, decided from the call as it stands (see changeCall). */
export type CallChange =
  /** Nothing to record (a webhook about another Twilio call than ours). */
  | { kind: 'ignore' }
  /** A repeat of what is known: the event is recorded (once per key), the call does not change. */
  | { kind: 'record'; event: KeyedEvent }
  /** New facts: the patch and the events are written together, or not at all. */
  | { kind: 'change'; patch: CallPatch; events: KeyedEvent[] };

/** How often a change is decided again after losing a race with another writer of the same call. */
const MAX_CHANGE_ATTEMPTS = 50;

const FIND_SQL = 'select * from calls where id = ? limit 1';
/** PostgreSQL: records an event for the row a preceding `changed` CTE returned (none if it returned none). */
export const INSERT_EVENT_FROM_CHANGED_SQL =
  'insert into call_events (call_id, source, event, sequence, dedupe_key, params, received_at) ' +
  'select id, ?::varchar, ?::varchar, ?::integer, ?::varchar, ?::text, ?::varchar from changed on conflict (call_id, dedupe_key) do nothing';
const FIND_WITH_SESSION_SQL =
  'select calls.*, sessions.data as session_data from calls inner join sessions on sessions.sid = ? where calls.id = ? and sessions.expires_at > ? limit 1';
export const INSERT_EVENT_SQL =
  'insert into call_events (call_id, source, event, sequence, dedupe_key, params, received_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (call_id, dedupe_key) do nothing';

export function callsRepository(db: Db) {
  // The hot paths (status polls, webhooks) use prepared statements: knex's per-query cost dominated them.
  const prepared = preparedQueries(db);
  // SQLite only: read, decide and write on one borrowed connection, synchronously (see changeCall).
  const raw = prepared instanceof RawSqlite ? prepared : undefined;
  return {
    db,
    /**
     * Inserts a call row as given, live; false when the user already has a live call (the unique index decides).
     * Benches and tests seed calls with it; the product places calls with their hold through call-placement.ts.
     */
    async insertLive(call: NewCall): Promise<boolean> {
      try {
        await db('calls').insert({
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
    /** Inserts a placed call, live, with its first event, inside the placement's transaction (see call-placement.ts). */
    async insertPlaced(trx: Knex.Transaction, call: NewCall, noted: KeyedEvent): Promise<void> {
      await trx('calls').insert({
        id: call.id, user_id: call.userId, live_user_id: call.userId, to_e164: call.toE164, to_country: call.toCountry,
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
     * Applies an event to a call without holding a lock across round trips: reads the call, lets `decide` (pure, no
     * I/O) say what the event does to it, and writes the patch and the events in one atomic statement that succeeds
     * only if the call's version is still the one read. A writer that lost the race decides again on the fresh row,
     * so every change is decided on the call as it stands, and each transition is made by exactly one writer.
     * On SQLite the read, the decision and the write run synchronously in one transaction: nobody can come between.
     * Undefined for an unknown call; otherwise the call as the winning decision saw it, that decision, and whether
     * its events were recorded (false for a repeat of an event already recorded).
     */
    async changeCall<C extends CallChange>(id: string, decide: (call: CallRecord) => C): Promise<{ call: CallRecord; change: C; recorded: boolean } | undefined> {
      if (raw) {
        return raw.immediateStatements((statement) => {
          const row = statement(FIND_SQL).all(id)[0] as CallRow | undefined;
          if (!row) return undefined;
          const call = toRecord(row);
          const change = decide(call);
          if (change.kind === 'ignore') return { call, change, recorded: false };
          if (change.kind === 'change') {
            const update = patchSql(id, change.patch);
            statement(update.sql).run(...update.values);
          }
          const events = change.kind === 'record' ? [change.event] : change.events;
          let recorded = false;
          for (const keyed of events) recorded = statement(INSERT_EVENT_SQL).run(...eventValues(id, keyed)).changes > 0 || recorded;
          return { call, change, recorded };
        });
      }
      for (let attempt = 1; ; attempt++) {
        const [row] = await prepared.all<CallRow>(FIND_SQL, [id]);
        if (!row) return undefined;
        const call = toRecord(row);
        const change = decide(call);
        if (change.kind === 'ignore') return { call, change, recorded: false };
        if (change.kind === 'record') return { call, change, recorded: (await prepared.run(INSERT_EVENT_SQL, eventValues(id, change.event))) > 0 };
        const { sql, values } = versionedChangeSql(id, Number(row.version), change.patch, change.events);
        const [result] = await prepared.all<{ changed: number; recorded: number }>(sql, values);
        if (Number(result?.changed) === 1) return { call, change, recorded: Number(result?.recorded) > 0 };
        if (attempt >= MAX_CHANGE_ATTEMPTS) throw new Error(`call ${id} kept changing under ${attempt} attempts to apply an event`);
      }
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

/** An event's values in call_events' column order (call_id, source, event, sequence, dedupe_key, params, received_at). */
export function eventValues(callId: string, { event, dedupeKey }: KeyedEvent): unknown[] {
  return [callId, event.source, event.event, event.sequence, dedupeKey, event.params ? JSON.stringify(event.params) : null, event.receivedAt];
}

/** Columns come from FACT_COLUMNS only, so the statement texts (each prepared once) are a few dozen at most. */
function setClause(patch: CallPatch): { sets: string; values: unknown[] } {
  const columns = toColumns(patch);
  const names = Object.keys(columns).sort();
  return { sets: [...names.map((name) => `${name} = ?`), 'version = version + 1'].join(', '), values: names.map((name) => columns[name]) };
}

function patchSql(id: string, patch: CallPatch): { sql: string; values: unknown[] } {
  const { sets, values } = setClause(patch);
  return { sql: `update calls set ${sets} where id = ?`, values: [...values, id] };
}

/**
 * PostgreSQL: the patch, version-checked, and the events recorded only if it applied, in one statement (one round
 * trip, atomic, no lock held between statements). A concurrent writer's committed update makes the version check
 * fail after waiting for it, and then nothing at all is written.
 */
function versionedChangeSql(id: string, version: number, patch: CallPatch, events: KeyedEvent[]): { sql: string; values: unknown[] } {
  const { sets, values } = setClause(patch);
  const inserts = events.map((_, i) => `, recorded_${i} as (${INSERT_EVENT_FROM_CHANGED_SQL} returning 1)`);
  const recorded = events.length ? events.map((_, i) => `(select count(*) from recorded_${i})`).join(' + ') : '0';
  const sql = `with changed as (update calls set ${sets} where id = ? and version = ? returning id)${inserts.join('')} select (select count(*) from changed)::int as changed, (${recorded})::int as recorded`;
  return { sql, values: [...values, id, version, ...events.flatMap((keyed) => eventValues(id, keyed).slice(1))] };
}
