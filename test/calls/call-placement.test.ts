import { describe, expect, it } from 'vitest';
import type { HoldRequest } from '../../src/calls/call-credit.js';
import { callPlacement, type PlacementDecision, type PlacementState } from '../../src/calls/call-placement.js';
import { callsRepository } from '../../src/calls/calls-repository.js';
import type { Db } from '../../src/db/database.js';
import { InsufficientCreditError } from '../../src/ledger/wallet-rows.js';
import { createUser, accountOf } from '../helpers/ledger.js';
import { waitForBlocked } from '../helpers/pg-locks.js';
import { tariff, useWalletFixture } from '../wallet/setup.js';

/**
 * Placing a call writes the call row, its hold, the wallet's held credit and the first event in one transaction,
 * decided on the wallet as locked by the ledger. The afterEach ledger check (held = open holds, balance = ledger)
 * catches any write that applied a plan made from a stale wallet.
 */
const f = useWalletFixture({ freeMinutesPerMonth: 1 });
const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };

function placementOf(db: Db = f.t.db) {
  return callPlacement({ holds: f.wallet.holds, repo: callsRepository(db) });
}

/** A decision that places call `id` with the longest hold the wallet pays for (or refuses: too little credit). */
function placing(userId: number, id: string, seen: PlacementState[] = []) {
  return (state: PlacementState): PlacementDecision<'poor'> => {
    seen.push(state);
    const request: HoldRequest = { userId, callSid: id, tariffs, maxSeconds: 600, minimumSeconds: 60 };
    try {
      const plan = f.calls.plan(state.wallet, request);
      const at = f.clock.now().toISOString();
      return {
        kind: 'place',
        placement: {
          call: { id, userId, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', confirmAnswer: true, createdAt: at, expectedEndAt: at, timeLimitS: plan.hold.maxSeconds, talkLimitS: plan.hold.maxSeconds - 1, dialTimeoutS: 30, holdMicros: plan.hold.amountMicros },
          hold: { request, plan },
          noted: { event: { source: 'us', event: 'calling your phone', sequence: null, params: { TimeLimit: String(plan.hold.maxSeconds) }, receivedAt: at }, dedupeKey: 'us:create' },
        },
      };
    } catch (err) {
      if (err instanceof InsufficientCreditError) return { kind: 'refuse', refusal: 'poor' };
      throw err;
    }
  };
}

/** The statements a run sends (each one round trip). */
async function statements<T>(db: Db, run: () => Promise<T>): Promise<{ sql: string[]; result: T }> {
  const sql: string[] = [];
  const listener = (query: { sql: string }) => sql.push(query.sql);
  db.on('query', listener);
  try {
    return { sql, result: await run() };
  } finally {
    db.off('query', listener);
  }
}

async function walletOf(userId: number) {
  const row = await f.t.db('wallets').where({ account_id: await accountOf(f.t.db, userId) }).first();
  return { balance: Number(row.balance_micros), held: Number(row.held_micros), freeHeld: Number(row.free_seconds_held) };
}

describe('placing a call', () => {
  it('writes the call, its hold, the held credit and its event in one transaction on the locked wallet', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    const { sql, result } = await statements(f.t.db, () => placementOf().place(user, undefined, placing(user, 'cl_one')));
    expect(result.kind).toBe('placed');
    // The live-call check, then in one transaction: the wallet (locked), the hold, the held credit, the call, its event.
    expect(sql.filter((q) => !/^(begin|commit|BEGIN|COMMIT)/.test(q)), sql.join('\n')).toHaveLength(7);
    expect(sql.some((q) => /for update/i.test(q))).toBe(postgres);
    // A minute free, then 9 paid minutes of both legs at 0.10.
    expect(await walletOf(user)).toEqual({ balance: 2_000_000, held: 900_000, freeHeld: 60 });
    expect(await f.t.db('calls').where({ id: 'cl_one' }).first()).toMatchObject({ live_user_id: user, status: 'starting', time_limit_s: 600, hold_micros: expect.anything() });
    expect(await f.calls.openHolds()).toEqual([expect.objectContaining({ callSid: 'cl_one', userId: user })]);
    expect(await f.t.db('call_events').where({ call_id: 'cl_one' }).select('event', 'dedupe_key', 'params')).toEqual([{ event: 'calling your phone', dedupe_key: 'us:create', params: '{"TimeLimit":"600"}' }]);
  });

  it('creates a missing wallet and renews a stale free-minute period before deciding', async () => {
    const user = await createUser(f.t.db);
    const seen: PlacementState[] = [];
    // No wallet yet: it is created with this month's free minute, which pays for the call.
    expect((await placementOf().place(user, undefined, placing(user, 'cl_new', seen))).kind).toBe('placed');
    expect(seen.map((s) => s.wallet)).toEqual([expect.objectContaining({ balance_micros: 0, free_seconds_left: 60, free_period: '2026-11' })]);
    expect(await walletOf(user)).toEqual({ balance: 0, held: 0, freeHeld: 60 });
    const other = await createUser(f.t.db);
    await f.wallet.credit(other, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    await f.t.db('wallets').where({ account_id: await accountOf(f.t.db, other) }).update({ free_period: '2026-10', free_seconds_left: 0 });
    seen.length = 0;
    expect((await placementOf().place(other, undefined, placing(other, 'cl_renewed', seen))).kind).toBe('placed');
    expect(seen.map((s) => s.wallet.free_seconds_left)).toEqual([60]);
    expect((await walletOf(other)).freeHeld).toBe(60);
  });

  it('a refusal writes nothing; a live call is reported without deciding; spending since a time is read with the wallet', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 50_000, description: 'Grant' });
    // An earlier call's charge today (written as an adjustment, then labelled as the call charge it stands for).
    const earlier = await f.wallet.credit(user, { kind: 'adjustment', amountMicros: -20_000, description: 'Earlier call' });
    await f.t.db('ledger_entries').where({ id: earlier.id }).update({ kind: 'call_charge' });
    await f.t.db('wallets').where({ account_id: await accountOf(f.t.db, user) }).update({ free_seconds_left: 0 });
    const seen: PlacementState[] = [];
    expect(await placementOf().place(user, '2026-11-21T00:00:00.000Z', placing(user, 'cl_poor', seen))).toEqual({ kind: 'refused', refusal: 'poor' });
    expect(seen.map((s) => s.spentMicros)).toEqual([20_000]);
    expect(await f.t.db('calls').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
    expect(Number((await f.t.db('calls').count({ n: '*' }).first())!.n)).toBe(0);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    expect((await placementOf().place(user, undefined, placing(user, 'cl_live'))).kind).toBe('placed');
    seen.length = 0;
    expect(await placementOf().place(user, undefined, placing(user, 'cl_second', seen))).toEqual({ kind: 'call-live', liveCallId: 'cl_live' });
    expect(seen).toEqual([]);
  });

  it.skipIf(!postgres)('a placement waits for another writer of the wallet and decides on what it left (PostgreSQL)', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    // Another writer locks the wallet, so the placement waits at its locking read.
    const gate = await f.t.db.transaction();
    const seen: PlacementState[] = [];
    let placing_: ReturnType<ReturnType<typeof placementOf>['place']> | undefined;
    try {
      const gatePid = Number((await gate.raw('select pg_backend_pid() as pid')).rows[0].pid);
      await gate('wallets').where({ account_id: await accountOf(gate, user) }).forUpdate().first();
      placing_ = placementOf().place(user, undefined, placing(user, 'cl_raced', seen));
      await waitForBlocked(f.t.db, gatePid, 1);
      // Meanwhile the other writer holds 1.50 for a call of its own.
      await gate('credit_holds').insert({ account_id: await accountOf(gate, user), user_id: user, call_sid: 'CA-other', amount_micros: 1_500_000, free_seconds: 0, max_seconds: 60, tariffs: JSON.stringify({ tariffs, firstLegExtraSeconds: 0 }), status: 'open', created_at: f.clock.now().toISOString() });
      await gate('wallets').where({ account_id: await accountOf(gate, user) }).update({ held_micros: 1_500_000 });
    } finally {
      await gate.commit();
    }
    expect((await placing_!).kind).toBe('placed');
    // Decided once, on the wallet the other writer left (0.50 available).
    expect(seen.map((s) => s.wallet.held_micros)).toEqual([1_500_000]);
    expect(await walletOf(user)).toEqual({ balance: 2_000_000, held: 1_500_000 + 500_000, freeHeld: 60 });
  });

  it.skipIf(!postgres)('a second live call found at the write rolls the whole placement back: no hold, nothing held (PostgreSQL)', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.openWallet(user);
    // Another start has inserted its live call and not committed yet: the placement's read cannot see it.
    const gate = await f.t.db.transaction();
    let placing_: ReturnType<ReturnType<typeof placementOf>['place']> | undefined;
    try {
      const gatePid = Number((await gate.raw('select pg_backend_pid() as pid')).rows[0].pid);
      const at = f.clock.now().toISOString();
      await gate('calls').insert({ id: 'cl_winner', user_id: user, live_user_id: user, to_e164: '+442079460958', from_e164: '+12015550123', status: 'starting', confirm_answer: false, created_at: at, expected_end_at: at, time_limit_s: 1, talk_limit_s: 1, dial_timeout_s: 1, hold_micros: 0 });
      placing_ = placementOf().place(user, undefined, placing(user, 'cl_loser'));
      await waitForBlocked(f.t.db, gatePid, 1);
    } finally {
      await gate.commit();
    }
    expect(await placing_!).toEqual({ kind: 'call-live', liveCallId: 'cl_winner' });
    expect(await walletOf(user)).toEqual({ balance: 2_000_000, held: 0, freeHeld: 0 });
    expect(await f.calls.openHolds()).toEqual([]);
    expect(await f.t.db('calls').where({ id: 'cl_loser' }).first()).toBeUndefined();
  });
});
