import { describe, expect, it } from 'vitest';
import { InsufficientCreditError } from '../../src/ledger/wallet-rows.js';
import { createUser, accountOf } from '../helpers/ledger.js';
import { tariff, useWalletFixture } from './setup.js';

const f = useWalletFixture({ freeMinutesPerMonth: 5 });
const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };

describe('free minutes on calls', () => {
  it('extend the longest call and are used before paid credit', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 200_000, description: 'Grant' });
    const hold = await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    expect(hold).toMatchObject({ freeSeconds: 300, maxSeconds: 420, amountMicros: 200_000 });
    expect((await f.wallet.summary(user)).freeSecondsAvailable).toBe(0);
    const result = await f.calls.settle({ callSid: 'CA1', firstLegSeconds: 330, bridgedSeconds: 330 });
    expect(result).toMatchObject({ freeSecondsUsed: 300, chargedMicros: 100_000 });
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: 100_000, freeSecondsAvailable: 0 });
    const kinds = (await f.wallet.ledger(user)).entries.map((e) => [e.kind, e.amountMicros, e.freeSeconds]);
    expect(kinds).toEqual([
      ['call_charge', -100_000, 0],
      ['free_minutes', 0, 300],
      ['grant', 200_000, 0],
    ]);
  });

  it('survive a renewal to a smaller allowance while a call holds last month\'s minutes', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs, maxSeconds: 300 });
    await f.t.db('wallets').update({ free_seconds_left: 60 });
    const second = await f.calls.hold({ userId: user, callSid: 'CA2', tariffs, maxSeconds: 120 });
    expect(second).toMatchObject({ freeSeconds: 0, maxSeconds: 120, amountMicros: 200_000 });
    await f.calls.settle({ callSid: 'CA1', firstLegSeconds: 200, bridgedSeconds: 200 });
    expect((await f.wallet.summary(user)).freeSecondsAvailable).toBe(0);
  });

  it('let a user with no credit call on free minutes alone', async () => {
    const user = await createUser(f.t.db);
    const hold = await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    expect(hold).toMatchObject({ freeSeconds: 300, maxSeconds: 300, amountMicros: 0 });
    expect(await f.calls.settle({ callSid: 'CA1', firstLegSeconds: 100, bridgedSeconds: 100 })).toMatchObject({ chargedMicros: 0, freeSecondsUsed: 120 });
    expect((await f.wallet.summary(user)).freeSecondsAvailable).toBe(180);
  });

  it('create a new user\'s wallet once when their first calls arrive together, and hold the allowance once', async () => {
    const user = await createUser(f.t.db);
    const attempts = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => f.calls.hold({ userId: user, callSid: `CA${i}`, tariffs, maxSeconds: 300 })));
    const won = attempts.filter((a): a is PromiseFulfilledResult<Awaited<ReturnType<typeof f.calls.hold>>> => a.status === 'fulfilled');
    expect(won.map((a) => a.value)).toEqual([expect.objectContaining({ freeSeconds: 300, amountMicros: 0 })]);
    for (const a of attempts) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(InsufficientCreditError);
    expect(await f.t.db('wallets').where({ account_id: await accountOf(f.t.db, user) }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });
});

describe('a call that spans a month boundary', () => {
  it('uses the allowance of the month it started in, and leaves the new month whole', async () => {
    const user = await createUser(f.t.db);
    f.clock.set(new Date('2026-11-30T23:58:00Z'));
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    const hold = await f.calls.hold({ userId: user, callSid: 'cl_boundary', tariffs });
    expect(hold.freeSeconds).toBe(300);
    f.clock.set(new Date('2026-12-01T00:05:00Z'));
    await f.wallet.resetFreeMinutes();
    const result = await f.calls.settle({ callSid: 'cl_boundary', firstLegSeconds: 400, bridgedSeconds: 400 });
    // November's 5 free minutes cover the first 300 s; the rest is paid.
    expect(result).toMatchObject({ freeSecondsUsed: 300, chargedMicros: legCostOf(100) });
    expect(await f.wallet.summary(user)).toMatchObject({ freeSecondsAvailable: 300, freePeriod: '2026-12' });
  });
});

/** Both legs of `seconds` paid talk at 0.01 + 0.09 per started minute. */
function legCostOf(seconds: number): number {
  return Math.ceil(seconds / 60) * (10_000 + 90_000);
}
