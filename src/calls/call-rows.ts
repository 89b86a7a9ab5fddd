import type { CallFacts, CallStatus, EndedBy } from './call-state.js';

/** A call as the feature sees it. Money in micros, times ISO-8601 UTC. */
export interface CallRecord extends CallFacts {
  id: string;
  userId: number;
  /** The account that pays for the call (null only for rows seeded without one). */
  accountId: number | null;
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

export interface CallRow {
  id: string;
  user_id: number;
  account_id?: number | string | null;
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
  ended_by?: string | null;
  version: number;
}

const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toRecord(row: CallRow): CallRecord {
  return {
    id: row.id,
    userId: Number(row.user_id),
    accountId: row.account_id == null ? null : Number(row.account_id),
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
    endedBy: (row.ended_by ?? null) as EndedBy | null,
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
  uncollectedCostMicros: 'uncollected_cost_micros', settledAt: 'settled_at', talkLimitS: 'talk_limit_s', endedBy: 'ended_by',
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

/** A call row by its id. */
export const FIND_SQL = 'select * from calls where id = ? limit 1';
export const INSERT_EVENT_SQL =
  'insert into call_events (call_id, source, event, sequence, dedupe_key, params, received_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (call_id, dedupe_key) do nothing';

/** An event's values in call_events' column order (call_id, source, event, sequence, dedupe_key, params, received_at). */
export function eventValues(callId: string, { event, dedupeKey }: KeyedEvent): unknown[] {
  return [callId, event.source, event.event, event.sequence, dedupeKey, event.params ? JSON.stringify(event.params) : null, event.receivedAt];
}

/** Columns come from FACT_COLUMNS only, so the statement texts (each prepared once) are a few dozen at most. */
export function setClause(patch: CallPatch): { sets: string; values: unknown[] } {
  const columns = toColumns(patch);
  const names = Object.keys(columns).sort();
  return { sets: [...names.map((name) => `${name} = ?`), 'version = version + 1'].join(', '), values: names.map((name) => columns[name]) };
}

export function patchSql(id: string, patch: CallPatch): { sql: string; values: unknown[] } {
  const { sets, values } = setClause(patch);
  return { sql: `update calls set ${sets} where id = ?`, values: [...values, id] };
}

