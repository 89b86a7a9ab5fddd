import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { preparedQueries } from '../db/prepared-queries.js';
import { RawSqlite, type Statement } from '../db/raw-sqlite.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { periodOf, walletFromRow, type WalletRow } from '../wallet/wallet-store.js';
import { holdRow, type HoldPlan, type HoldRequest } from './call-credit.js';
import type { EarlierPlacementRead } from './placement-prefetch.js';
import { eventValues, INSERT_EVENT_FROM_CHANGED_SQL, INSERT_EVENT_SQL, type KeyedEvent, type NewCall } from './calls-repository.js';

/**
 * Placing a call: the call row (with its limits), its credit hold, the wallet's held credit and the "calling your
 * phone" event are written together or not at all, in as few round trips as the engine allows, because every one of
 * them stands between the user's click and Twilio's create.
 *
 * The wallet is read without a lock and the hold worked out in pure code; the write then applies only if the wallet
 * still holds exactly what was read (every column the plan used is compared), like a version check. A placement that
 * lost a race with another writer of the wallet (a settlement, a top-up, a second tab) reads and decides again.
 * On PostgreSQL that is two round trips: one read, one statement of data-modifying CTEs. A second live call for the
 * user breaks the unique live-call index, which aborts the whole statement: nothing is written.
 * On SQLite the read, the decision and the writes run synchronously in one BEGIN IMMEDIATE transaction.
 */

/** What a placement is decided from. */
export interface PlacementState {
  /** The user's wallet, present and renewed for the current month. */
  wallet: WalletRow;
  /** Call charges since the `spentSince` asked for (0 if none was asked). */
  spentMicros: number;
}

export interface Placement {
  call: NewCall;
  hold: { request: HoldRequest; plan: HoldPlan };
  noted: KeyedEvent;
}

export type PlacementDecision<R> = { kind: 'place'; placement: Placement } | { kind: 'refuse'; refusal: R };

export type PlacementOutcome<R> =
  | { kind: 'placed'; placement: Placement }
  | { kind: 'refused'; refusal: R }
  /** The user already has a live call (its id, unless it ended in the meantime). */
  | { kind: 'call-live'; liveCallId: string | null };

export interface CallPlacementDeps {
  db: Db;
  clock: Clock;
  /** Creates a missing wallet and renews a stale free-minute period (CallCredit.openWallet). */
  openWallet(userId: number): Promise<void>;
}

/** How often a placement is decided again after its wallet changed between the read and the write. */
const MAX_PLACEMENT_ATTEMPTS = 20;

/** The wallet's columns a placement is decided from; the write compares every one (see HOLD_ON_WALLET_AS_READ). */
export const PLACEMENT_WALLET_FIELDS = ['user_id', 'balance_micros', 'held_micros', 'free_seconds_left', 'free_seconds_held', 'free_period'] as const;
/** The live call of the user whose id is the SQL expression `userId` (also read along a click's session). */
export const liveCallSql = (userId: string) => `(select id from calls where live_user_id = ${userId})`;
/** That user's call charges since the time bound to its one `?`. */
export const spentSinceSql = (userId: string) => `(select coalesce(sum(amount_micros), 0) from ledger_entries where user_id = ${userId} and kind = 'call_charge' and created_at >= ?)`;
const WALLET_COLUMNS = PLACEMENT_WALLET_FIELDS.map((field) => `w.${field}`).join(', ');
const LIVE_CALL = `${liveCallSql('?')} as live_call_id`;
const SPENT_SINCE = `${spentSinceSql('?')} as spent_micros`;
/** A row even when the user has no wallet yet, so the live call is still seen. */
const FROM_WALLET = 'from (select 1 as here) as one left join wallets w on w.user_id = ?';
const STATE_SQL = `select ${WALLET_COLUMNS}, ${LIVE_CALL} ${FROM_WALLET}`;
const STATE_WITH_SPENT_SQL = `select ${WALLET_COLUMNS}, ${LIVE_CALL}, ${SPENT_SINCE} ${FROM_WALLET}`;

const HOLD_ON_WALLET_AS_READ =
  'update wallets set held_micros = ?, free_seconds_held = ? ' +
  'where user_id = ? and balance_micros = ? and held_micros = ? and free_seconds_left = ? and free_seconds_held = ? and free_period = ?';
const CALL_COLUMNS = 'id, user_id, live_user_id, to_e164, to_country, from_e164, status, confirm_answer, created_at, expected_end_at, time_limit_s, talk_limit_s, dial_timeout_s, hold_micros';
const HOLD_COLUMNS = 'user_id, call_sid, description, amount_micros, free_seconds, max_seconds, tariffs, status, created_at';

/**
 * PostgreSQL: each insert runs only if the one before it did (its `select … from` the previous CTE's rows). The call
 * row's CTE is named `changed` so that the repository's event insert for a changed call records its event.
 */
const PLACE_SQL =
  `with held as (${HOLD_ON_WALLET_AS_READ} returning user_id), ` +
  `changed as (insert into calls (${CALL_COLUMNS}) select ?::varchar, ?::integer, ?::integer, ?::varchar, ?::varchar, ?::varchar, 'starting', ?::boolean, ?::varchar, ?::varchar, ?::integer, ?::integer, ?::integer, ?::bigint from held returning id), ` +
  `holding as (insert into credit_holds (${HOLD_COLUMNS}) select ?::integer, id, ?::varchar, ?::bigint, ?::integer, ?::integer, ?::text, 'open', ?::varchar from changed returning 1), ` +
  `noted as (${INSERT_EVENT_FROM_CHANGED_SQL} returning 1) ` +
  'select (select count(*) from held)::int as held, (select count(*) from holding)::int as holds, (select count(*) from noted)::int as noted';

const SQLITE_INSERT_CALL = `insert into calls (${CALL_COLUMNS}) values (?, ?, ?, ?, ?, ?, 'starting', ?, ?, ?, ?, ?, ?, ?)`;
const SQLITE_INSERT_HOLD = `insert into credit_holds (${HOLD_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, 'open', ?)`;

/** The wallet's columns (all null when the user has none yet), the live call, and the spending when asked for. */
export type PlacementStateRow = { [column in keyof WalletRow]: WalletRow[column] | null } & { live_call_id: string | null; spent_micros?: number | string | null };

/** One try: decided and written, or a reason to try again. */
type Attempt<R> = PlacementOutcome<R> | { kind: 'open-wallet' } | { kind: 'wallet-changed' };

export type CallPlacement = ReturnType<typeof callPlacement>;

export function callPlacement(deps: CallPlacementDeps) {
  const prepared = preparedQueries(deps.db);
  const raw = prepared instanceof RawSqlite ? prepared : undefined;

  /** Reads (unless `earlier` was read for it), decides and (unless refused) writes once. */
  async function attempt<R>(userId: number, spentSince: string | undefined, decide: (state: PlacementState) => PlacementDecision<R>, earlier?: EarlierPlacementRead): Promise<Attempt<R>> {
    const [sql, params] = stateQuery(userId, spentSince);
    if (raw) {
      return raw.immediateStatements((statement) => {
        const read = readState(statement(sql).all(...params)[0] as PlacementStateRow | undefined, periodOf(deps.clock.now()));
        if (read.kind !== 'state') return read;
        const decision = decide(read.state);
        if (decision.kind === 'refuse') return { kind: 'refused', refusal: decision.refusal };
        writeOnSqlite(statement, read.state.wallet, decision.placement);
        return { kind: 'placed', placement: decision.placement };
      });
    }
    const period = periodOf(deps.clock.now());
    let read = earlier && (spentSince === undefined || spentSince === earlier.spentSince) ? readState(earlier.row, period) : undefined;
    // A live call or a wallet to open seen earlier is read again: the live call may have ended since.
    if (read?.kind !== 'state') {
      const [row] = await prepared.all<PlacementStateRow>(sql, params);
      read = readState(row, period);
    }
    if (read.kind !== 'state') return read;
    const decision = decide(read.state);
    if (decision.kind === 'refuse') return { kind: 'refused', refusal: decision.refusal };
    const [written] = await prepared.all<{ held: number; holds: number; noted: number }>(PLACE_SQL, placeValues(read.state.wallet, decision.placement));
    if (Number(written?.held) !== 1) return { kind: 'wallet-changed' };
    if (Number(written?.holds) !== 1 || Number(written?.noted) !== 1) throw new Error(`placing call ${decision.placement.call.id} wrote its wallet but not its hold and event`);
    return { kind: 'placed', placement: decision.placement };
  }

  async function liveCallOf(userId: number): Promise<string | null> {
    const [row] = await prepared.all<{ id: string }>('select id from calls where live_user_id = ?', [userId]);
    return row?.id ?? null;
  }

  return {
    /**
     * Places the user's call as `decide` (pure, no I/O) plans it from their wallet and, when `spentSince` is given,
     * their call charges since then; or returns its refusal, or that a call is already live (nothing decided then).
     * On PostgreSQL the first decision may be made from `earlier` (see PlacementPrefetch) instead of a read of its own.
     */
    async place<R>(userId: number, spentSince: string | undefined, decide: (state: PlacementState) => PlacementDecision<R>, earlier?: EarlierPlacementRead): Promise<PlacementOutcome<R>> {
      for (let attempts = 1; ; attempts++) {
        let outcome: Attempt<R>;
        try {
          outcome = await attempt(userId, spentSince, decide, attempts === 1 ? earlier : undefined);
        } catch (err) {
          // The unique live-call index: another start for this user won between our read and our write.
          if (isUniqueViolation(err)) return { kind: 'call-live', liveCallId: await liveCallOf(userId) };
          throw err;
        }
        if (outcome.kind !== 'open-wallet' && outcome.kind !== 'wallet-changed') return outcome;
        if (attempts >= MAX_PLACEMENT_ATTEMPTS) throw new Error(`the wallet of user ${userId} kept changing under ${attempts} attempts to place a call`);
        if (outcome.kind === 'open-wallet') await deps.openWallet(userId);
      }
    },
  };
}

function stateQuery(userId: number, spentSince: string | undefined): [string, unknown[]] {
  return spentSince === undefined ? [STATE_SQL, [userId, userId]] : [STATE_WITH_SPENT_SQL, [userId, userId, spentSince, userId]];
}

function readState(row: PlacementStateRow | undefined, period: string): { kind: 'state'; state: PlacementState } | { kind: 'call-live'; liveCallId: string } | { kind: 'open-wallet' } {
  if (row?.live_call_id) return { kind: 'call-live', liveCallId: row.live_call_id };
  if (!row || row.user_id === null || row.free_period !== period) return { kind: 'open-wallet' };
  const wallet = walletFromRow(row as WalletRow);
  // Charges are negative ledger amounts; `|| 0` keeps no spending a plain 0, not -0.
  return { kind: 'state', state: { wallet, spentMicros: -Number(row.spent_micros ?? 0) || 0 } };
}

/** The wallet's new held columns, then every column the plan was worked out from (as read). */
function walletValues(wallet: WalletRow, { hold }: Placement): unknown[] {
  const { plan } = hold;
  return [plan.wallet.held_micros, plan.wallet.free_seconds_held, wallet.user_id, wallet.balance_micros, wallet.held_micros, wallet.free_seconds_left, wallet.free_seconds_held, wallet.free_period];
}

function callValues({ call }: Placement, confirmAnswer: boolean | number): unknown[] {
  return [call.id, call.userId, call.userId, call.toE164, call.toCountry, call.fromE164, confirmAnswer, call.createdAt, call.expectedEndAt, call.timeLimitS, call.talkLimitS, call.dialTimeoutS, call.holdMicros];
}

function holdValues({ hold, call }: Placement): unknown[] {
  const row = holdRow(hold.request, hold.plan, call.createdAt);
  return [row.user_id, row.call_sid, row.description, row.amount_micros, row.free_seconds, row.max_seconds, row.tariffs, row.created_at];
}

function placeValues(wallet: WalletRow, placement: Placement): unknown[] {
  return [
    ...walletValues(wallet, placement),
    ...callValues(placement, placement.call.confirmAnswer),
    // The hold's call_sid and the event's call_id come from the inserted call row.
    ...holdValues(placement).filter((_, i) => i !== 1),
    ...eventValues(placement.call.id, placement.noted).slice(1),
  ];
}

function writeOnSqlite(statement: (sql: string) => Statement, wallet: WalletRow, placement: Placement): void {
  // Inside BEGIN IMMEDIATE nobody else can write the wallet, so this only fails on a bug; checked all the same.
  if (statement(HOLD_ON_WALLET_AS_READ).run(...walletValues(wallet, placement)).changes !== 1) throw new Error(`wallet of user ${wallet.user_id} changed inside its transaction`);
  statement(SQLITE_INSERT_CALL).run(...callValues(placement, placement.call.confirmAnswer ? 1 : 0));
  statement(SQLITE_INSERT_HOLD).run(...holdValues(placement));
  statement(INSERT_EVENT_SQL).run(...eventValues(placement.call.id, placement.noted));
}
