import { describe, expect, it } from 'vitest';
import { createUser } from '../helpers/ledger.js';
import { tariff, useWalletFixture } from './setup.js';

// The ledger's operations in a caller's transaction (card payments record their payment row in the same one).
const f = useWalletFixture();

describe('ledger changes in the caller\'s transaction', () => {
  it('commit with the caller\'s own write, or not at all', async () => {
    const user = await createUser(f.t.db);
    await expect(
      f.t.db.transaction(async (trx) => {
        await f.wallet.applyWithin(trx, user, { kind: 'purchase', amountMicros: 5_000_000, description: 'Top-up', idempotencyKey: 'stripe:cs_1' });
        throw new Error('the caller\'s own write failed');
      }),
    ).rejects.toThrow('own write failed');
    expect((await f.wallet.summary(user)).balanceMicros).toBe(0);
    expect((await f.wallet.ledger(user)).total).toBe(0);

    const applied = await f.t.db.transaction((trx) => f.wallet.applyWithin(trx, user, { kind: 'purchase', amountMicros: 5_000_000, description: 'Top-up', idempotencyKey: 'stripe:cs_1' }));
    expect(applied).toMatchObject({ repeated: false, entry: { kind: 'purchase', amountMicros: 5_000_000, balanceAfterMicros: 5_000_000 } });
  });

  it('apply once per unique reference', async () => {
    const user = await createUser(f.t.db);
    const input = { kind: 'purchase' as const, amountMicros: 2_000_000, description: 'Top-up', idempotencyKey: 'stripe:cs_2' };
    const first = await f.t.db.transaction((trx) => f.wallet.applyWithin(trx, user, input));
    const again = await f.t.db.transaction((trx) => f.wallet.applyWithin(trx, user, input));
    expect(again).toEqual({ entry: first.entry, repeated: true });
    expect((await f.wallet.summary(user)).balanceMicros).toBe(2_000_000);
  });

  it('debit at most what is spendable, never below held credit, and report the rest as owed', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'purchase', amountMicros: 10_000_000, description: 'Top-up' });
    // A running call holds 6.00 of it (1 minute at 6.00).
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs: { first: tariff(0), bridged: tariff(6_000_000) }, maxSeconds: 60 });
    const held = (await f.wallet.summary(user)).heldMicros;
    expect(held).toBeGreaterThan(0);
    const result = await f.t.db.transaction((trx) => f.wallet.debitUpToWithin(trx, user, { kind: 'refund', amountMicros: 10_000_000, description: 'Refund', reference: 're_1', idempotencyKey: 'stripe:re_1' }));
    expect(result).toEqual({ takenMicros: 10_000_000 - held, owedMicros: held });
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: held, availableMicros: 0 });
    // The same reference again takes nothing more.
    const again = await f.t.db.transaction((trx) => f.wallet.debitUpToWithin(trx, user, { kind: 'refund', amountMicros: 10_000_000, description: 'Refund', reference: 're_1', idempotencyKey: 'stripe:re_1' }));
    expect(again).toEqual(result);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(held);
  });

  it('writes nothing when nothing can be taken', async () => {
    const user = await createUser(f.t.db);
    const result = await f.t.db.transaction((trx) => f.wallet.debitUpToWithin(trx, user, { kind: 'adjustment', amountMicros: 3_000_000, description: 'Dispute', idempotencyKey: 'stripe:dp_1' }));
    expect(result).toEqual({ takenMicros: 0, owedMicros: 3_000_000 });
    expect((await f.wallet.ledger(user)).total).toBe(0);
    await expect(f.t.db.transaction((trx) => f.wallet.debitUpToWithin(trx, user, { kind: 'adjustment', amountMicros: 0, description: 'Nothing' }))).rejects.toThrow(RangeError);
  });
});
