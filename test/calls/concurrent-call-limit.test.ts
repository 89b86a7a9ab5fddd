import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/ledger.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { tariff, useWalletFixture } from '../wallet/setup.js';
import { startCall, startCallHarness, type CallHarness } from './helpers/call-harness.js';

/**
 * users.concurrent_call_limit is enforced by the same atomic hold as the credit: calls still holding credit are
 * counted under the wallet's lock (FOR UPDATE on PostgreSQL), so parallel starts queue and cannot both pass.
 */
describe('the concurrent-call limit is counted under the hold\'s lock', () => {
  const f = useWalletFixture();
  const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };

  it('twelve parallel holds with a limit of two: exactly two are taken', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 10_000_000, description: 'Grant' });
    const limit = 2;
    const attempt = (n: number) =>
      f.wallet.holds.hold(
        user,
        (state) => {
          if ((state.openHolds ?? 0) >= limit) return { kind: 'refuse', refusal: 'limit' };
          return { kind: 'hold', hold: { callSid: `CA-limit-${n}`, amountMicros: 100_000, freeSeconds: 0, maxSeconds: 60, terms: { tariffs, firstLegExtraSeconds: 0 } } };
        },
        { countOpenHolds: true },
      );
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => attempt(n)));
    expect(results.filter((r) => r.kind === 'held')).toHaveLength(limit);
    expect(results.filter((r) => r.kind === 'refused')).toHaveLength(12 - limit);
    expect(await f.calls.openHolds()).toHaveLength(limit);
    expect((await f.wallet.summary(user)).heldMicros).toBe(limit * 100_000);
  });
});

describe('starting a call respects the user\'s concurrent-call limit', () => {
  let h: CallHarness;
  beforeEach(async () => {
    h = await startCallHarness({ speed: 200 });
  });
  afterEach(async () => {
    try {
      await expectLedgerConsistent(h.testDb.db);
    } finally {
      await h.close();
    }
  });

  it('refuses a start while another call of the user still holds credit, and allows it once that is settled', async () => {
    await h.testDb.db('users').where({ id: h.userId }).update({ concurrent_call_limit: 1 });
    const money = h.built.services.money;
    // An earlier call that has ended but is not settled yet (its last callback is late) still holds credit.
    await money.callCredit.hold({ userId: h.userId, callSid: 'CA-earlier', tariffs: { first: tariff(10_000), bridged: tariff(90_000) }, maxSeconds: 60 });
    const refused = await startCall(h);
    expect(refused.id).toBeUndefined();
    expect(refused.res.text).toContain('1 call at once');
    await money.callCredit.release('CA-earlier');
    const started = await startCall(h);
    expect(started.id).toBeDefined();
    await h.agent.post(`/calls/${started.id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(started.id!, (c) => c.settledAt !== null);
  });

  it('parallel starts with a limit of one place one call', async () => {
    await h.testDb.db('users').where({ id: h.userId }).update({ concurrent_call_limit: 1 });
    const starts = await Promise.all(Array.from({ length: 6 }, () => startCall(h)));
    const placed = starts.filter((s) => s.id);
    expect(placed).toHaveLength(1);
    expect(await h.built.services.money.callCredit.openHolds()).toHaveLength(1);
    await h.agent.post(`/calls/${placed[0]!.id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(placed[0]!.id!, (c) => c.settledAt !== null);
  });

  it('reconciliation releases a hold left without a call once it is older than any call (no expiry job needed)', async () => {
    const money = h.built.services.money;
    await money.callCredit.hold({ userId: h.userId, callSid: 'CA-orphan', tariffs: { first: tariff(10_000), bridged: tariff(90_000) }, maxSeconds: 60 });
    await h.built.services.calls.reconcile();
    expect(await money.callCredit.isOpen('CA-orphan')).toBe(true);
    h.clock.advance(25 * 3600 * 1000);
    await h.built.services.calls.reconcile();
    expect(await money.callCredit.isOpen('CA-orphan')).toBe(false);
    expect((await money.wallet.summary(h.userId)).heldMicros).toBe(0);
  });
});
