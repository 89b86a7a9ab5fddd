import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PlacementPrefetch } from '../../src/calls/placement-prefetch.js';
import type { Db } from '../../src/db/database.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { SESSION_READ, statementsDuring } from '../helpers/statements.js';
import { startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

/**
 * A click's session read also reads what its placement decides from (PostgreSQL), so the placement makes no read of
 * its own: two round trips before Twilio's create instead of three. The unit tests of the placement itself, with an
 * earlier read that is stale, are in call-placement.test.ts.
 */
const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const PLACEMENT_READ = /from \(select 1 as here\) as one left join wallets/;
const PLACING = /^with held as \(update wallets/;

let h: CallHarness | undefined;
afterEach(async () => {
  if (!h) return;
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
    h = undefined;
  }
});

/** Every statement of `run`, in order: knex's own, and the prepared ones the hot paths use (src/db/prepared-queries.ts). */
const statementsOf = (db: Db, run: () => Promise<unknown>) => statementsDuring(db, run, { prepared: true });

describe('a click reads its wallet with its session', () => {
  it('on PostgreSQL the session read brings the wallet and the live call, and the placement reads nothing itself', async () => {
    h = await startCallHarness();
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    let id: string | undefined;
    const sqls = await statementsOf(h.testDb.db, async () => ({ id } = await startCall(h!)));
    expect(id, 'the call was placed').toBeDefined();
    const session = sqls.findIndex((sql) => SESSION_READ.test(sql));
    expect(session, sqls.join('\n')).toBeGreaterThanOrEqual(0);
    if (postgres) {
      expect(sqls[session]).toMatch(/placement_wallet/);
      expect(sqls.filter((sql) => PLACEMENT_READ.test(sql)), sqls.join('\n')).toEqual([]);
      // Nothing between the session read and the statement placing the call.
      expect(sqls[session + 1], sqls.join('\n')).toMatch(PLACING);
    } else {
      // SQLite reads the wallet inside its write transaction, with no round trip to save.
      expect(sqls[session]).not.toMatch(/placement_wallet/);
    }
    const call = await h.call(id!);
    const hold = await h.testDb.db('credit_holds').where({ call_sid: id }).first<{ amount_micros: number | string }>();
    expect(Number(hold!.amount_micros)).toBe(call.holdMicros);
  });

  it('a second click while the first call is live is told so, from the live call the session read saw', async () => {
    // Slow simulated time: the first call's phone rings for seconds, not milliseconds.
    h = await startCallHarness({ speed: 5 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const first = await startCall(h);
    const second = await startCall(h);
    expect(second.res.status).toBe(422);
    expect(second.res.text).toContain('You already have a call in progress.');
    expect(second.res.text).toContain(first.id);
  });

  it('a daily spend cap counts today\'s charges read with the session', async () => {
    h = await startCallHarness();
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    // 0.50 spent today already (an adjustment, then labelled as the call charge it stands for), against a cap of
    // 0.55: what is left pays for no minute of this call.
    const earlier = await h.built.services.money.wallet.credit(h.userId, { kind: 'adjustment', amountMicros: -500_000, description: 'Earlier call' });
    await h.testDb.db('ledger_entries').where({ id: earlier.id }).update({ kind: 'call_charge' });
    await h.testDb.db('users').where({ id: h.userId }).update({ daily_spend_cap_micros: 550_000 });
    const refused = await startCall(h);
    expect(refused.res.status).toBe(422);
    expect(refused.id).toBeUndefined();
    await h.testDb.db('users').where({ id: h.userId }).update({ daily_spend_cap_micros: 5_000_000 });
    expect((await startCall(h)).id).toBeDefined();
  });
});

describe('PlacementPrefetch', () => {
  const clock = new ManualClock(new Date('2026-11-21T15:00:00Z'));
  const prefetch = new PlacementPrefetch(clock);
  const request = (method: string, path: string) => ({ method, path }) as Request;
  const inRequest = <T>(req: Request, run: () => T): Promise<T> => new Promise((resolve) => prefetch.middleware()(req, {} as Response, (() => resolve(run())) as NextFunction));
  const row = { placement_session_user_id: 7, placement_user_id: 7, placement_balance_micros: '2000000', placement_held_micros: '0', placement_free_seconds_left: 0, placement_free_seconds_held: 0, placement_free_period: '2026-11', placement_live_call_id: null, placement_spent_micros: '0' };

  it('reads along only for a click, hands the row to the session\'s own user, once', async () => {
    expect(await inRequest(request('GET', '/calls'), () => prefetch.sessionRead())).toBeUndefined();
    expect(await inRequest(request('POST', '/calls/cl_x/hangup'), () => prefetch.sessionRead())).toBeUndefined();
    expect(prefetch.sessionRead(), 'outside any request').toBeUndefined();
    const taken = await inRequest(request('POST', '/calls'), () => {
      prefetch.sessionRead()!.receive(row);
      return [prefetch.take(7), prefetch.take(7)];
    });
    expect(taken[0]).toEqual({ spentSince: '2026-11-21T00:00:00.000Z', row: { user_id: 7, balance_micros: '2000000', held_micros: '0', free_seconds_left: 0, free_seconds_held: 0, free_period: '2026-11', live_call_id: null, spent_micros: '0' } });
    expect(taken[1], 'taken once').toBeUndefined();
  });

  it("never hands one user's wallet to another, nor a failed read", async () => {
    const other = await inRequest(request('POST', '/calls'), () => {
      prefetch.sessionRead()!.receive(row);
      return prefetch.take(8);
    });
    expect(other).toBeUndefined();
    const failed = await inRequest(request('POST', '/calls'), () => {
      prefetch.sessionRead()!.receive(undefined);
      return prefetch.take(7);
    });
    expect(failed).toBeUndefined();
  });
});
