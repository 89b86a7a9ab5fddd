import type { PreparedQueries } from '../db/prepared-queries.js';
import { RawSqlite } from '../db/raw-sqlite.js';
import { eventValues, FIND_SQL, INSERT_EVENT_SQL, patchSql, setClause, toRecord, type CallChange, type CallPatch, type CallRecord, type CallRow, type KeyedEvent } from './call-rows.js';

/*
 * The status webhook's write, the hottest write there is: one module, one function, a statement per engine.
 * The plain form (a knex transaction: BEGIN, SELECT ... FOR UPDATE, UPDATE, an INSERT per event, COMMIT) is five or
 * more round trips holding the row lock across them, and the webhooks of one call arrive together and queued behind
 * it; this is two (the read, then one version-checked statement), with no lock held between them. Counted over
 * scenario (a) of test/calls/call-scenarios.test.ts with log_statement=all: 12 single statements where there were 12
 * transactions of five or six (docs/storm.md). test/calls/change-call.test.ts races 40 writers on one call and fails
 * on PostgreSQL without the version check.
 */

/** How often a change is decided again after losing a race with another writer of the same call. */
const MAX_CHANGE_ATTEMPTS = 50;

/** PostgreSQL: records an event for the row a preceding `changed` CTE returned (none if it returned none). */
const INSERT_EVENT_FROM_CHANGED_SQL =
  'insert into call_events (call_id, source, event, sequence, dedupe_key, params, received_at) ' +
  'select id, ?::varchar, ?::varchar, ?::integer, ?::varchar, ?::text, ?::varchar from changed on conflict (call_id, dedupe_key) do nothing';

export type ChangeCall = <C extends CallChange>(id: string, decide: (call: CallRecord) => C) => Promise<{ call: CallRecord; change: C; recorded: boolean } | undefined>;

/**
 * Applies an event to a call without holding a lock across round trips: reads the call, lets `decide` (pure, no
 * I/O) say what the event does to it, and writes the patch and the events in one atomic statement that succeeds
 * only if the call's version is still the one read. A writer that lost the race decides again on the fresh row,
 * so every change is decided on the call as it stands, and each transition is made by exactly one writer.
 * On SQLite the read, the decision and the write run synchronously in one transaction: nobody can come between.
 */
export function callChangeWriter(prepared: PreparedQueries): ChangeCall {
  if (prepared instanceof RawSqlite) return sqliteChange(prepared);
  return async (id, decide) => {
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
  };
}

/** SQLite: read, decide and write on one borrowed connection, synchronously, inside BEGIN IMMEDIATE. */
function sqliteChange(raw: RawSqlite): ChangeCall {
  return (id, decide) =>
    raw.immediateStatements((statement) => {
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
