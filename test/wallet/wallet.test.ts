import { describe, expect, it } from 'vitest';
import { InsufficientCreditError } from '../../src/ledger/wallet-rows.js';
import { accountOf, createUser } from '../helpers/ledger.js';
import { useWalletFixture } from './setup.js';

const f = useWalletFixture({ freeMinutesPerMonth: 10 });

describe('wallet', () => {
  it('starts empty with this month\'s free minutes', async () => {
    const user = await createUser(f.t.db);
    expect(await f.wallet.summary(user)).toEqual({
      accountId: await accountOf(f.t.db, user),
      userId: user,
      balanceMicros: 0,
      heldMicros: 0,
      availableMicros: 0,
      freeSecondsAvailable: 600,
      freePeriod: '2026-11',
    });
  });

  it('records every credit in the ledger with the balance after it', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 5_000_000, description: 'Welcome credit' });
    const entry = await f.wallet.credit(user, { kind: 'purchase', amountMicros: 10_000_000, description: 'Top-up', reference: 'pay_1' });
    expect(entry).toMatchObject({ kind: 'purchase', amountMicros: 10_000_000, balanceAfterMicros: 15_000_000, reference: 'pay_1' });
    await f.wallet.credit(user, { kind: 'adjustment', amountMicros: -2_500_000, description: 'Correction' });
    expect((await f.wallet.summary(user)).balanceMicros).toBe(12_500_000);
  });

  it('credits once per idempotency key', async () => {
    const user = await createUser(f.t.db);
    const first = await f.wallet.credit(user, { kind: 'purchase', amountMicros: 1_000_000, description: 'Top-up', idempotencyKey: 'pay:42' });
    const again = await f.wallet.credit(user, { kind: 'purchase', amountMicros: 1_000_000, description: 'Top-up', idempotencyKey: 'pay:42' });
    expect(again.id).toBe(first.id);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(1_000_000);
  });

  it('never lets the balance go below zero or below held credit', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    await expect(f.wallet.credit(user, { kind: 'adjustment', amountMicros: -1_000_001, description: 'Too much' })).rejects.toBeInstanceOf(InsufficientCreditError);
    await expect(f.wallet.credit(user, { kind: 'grant', amountMicros: 0, description: 'Nothing' })).rejects.toThrow(RangeError);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(1_000_000);
  });

  it('pages the ledger newest first and exports it all oldest first', async () => {
    const user = await createUser(f.t.db);
    for (let i = 1; i <= 25; i++) await f.wallet.credit(user, { kind: 'grant', amountMicros: i, description: `Grant ${i}` });
    const page1 = await f.wallet.ledger(user, 1, 10);
    expect(page1).toMatchObject({ page: 1, total: 25, pages: 3 });
    expect(page1.entries.map((e) => e.amountMicros).slice(0, 3)).toEqual([25, 24, 23]);
    const page3 = await f.wallet.ledger(user, 99, 10);
    expect(page3.page).toBe(3);
    expect(page3.entries).toHaveLength(5);
    const all = [];
    for await (const entry of f.wallet.allEntries(user, 7)) all.push(entry.amountMicros);
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('sums call charges per day for the spend chart', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 10_000_000, description: 'Grant' });
    const { tariff } = await import('./setup.js');
    const tariffs = { first: tariff(0), bridged: tariff(100_000) };
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs, maxSeconds: 1300 });
    await f.calls.settle({ callSid: 'CA1', firstLegSeconds: 1300, bridgedSeconds: 1300 });
    f.clock.advance(86_400_000);
    await f.calls.hold({ userId: user, callSid: 'CA2', tariffs, maxSeconds: 600 });
    await f.calls.settle({ callSid: 'CA2', firstLegSeconds: 100, bridgedSeconds: 100 });
    const spend = await f.wallet.dailySpend(user, 30);
    expect(spend).toHaveLength(30);
    expect(spend.at(-1)).toEqual({ day: '2026-11-22', spentMicros: 200_000 });
    // 600 s were free (10 free minutes); the remaining 700 s bill 12 minutes.
    expect(spend.at(-2)).toEqual({ day: '2026-11-21', spentMicros: 1_200_000 });
    expect(spend[0]!.spentMicros).toBe(0);
  });
});

describe('peek', () => {
  it('reads the same figures as summary without creating or locking anything', async () => {
    const user = await createUser(f.t.db);
    expect(await f.wallet.peek(user)).toEqual({ accountId: await accountOf(f.t.db, user), userId: user, balanceMicros: 0, heldMicros: 0, availableMicros: 0, freeSecondsAvailable: 600, freePeriod: '2026-11' });
    expect(await f.t.db('wallets').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 3_000_000, description: 'Grant' });
    await f.t.db('wallets').update({ free_seconds_left: 60 });
    expect(await f.wallet.peek(user)).toEqual(await f.wallet.summary(user));
    f.clock.set(new Date('2026-12-02T00:00:00Z'));
    expect((await f.wallet.peek(user)).freeSecondsAvailable).toBe(600);
  });
});

describe('free minutes', () => {
  it('are renewed by the monthly job and lazily on next use', async () => {
    const a = await createUser(f.t.db);
    const b = await f.wallet.summary(await createUser(f.t.db));
    await f.t.db('wallets').update({ free_seconds_left: 0 });
    expect(await f.wallet.resetFreeMinutes()).toBe(0);
    f.clock.set(new Date('2026-12-01T00:00:01Z'));
    expect((await f.wallet.summary(a)).freeSecondsAvailable).toBe(600);
    expect(await f.wallet.resetFreeMinutes()).toBe(1);
    expect(await f.wallet.resetFreeMinutes()).toBe(0);
    expect((await f.wallet.summary(b.userId!)).freeSecondsAvailable).toBe(600);
  });
});
