import { describe, expect, it } from 'vitest';
import { displayCode, normaliseCode, VoucherError } from '../../src/wallet/vouchers.js';
import { createUser } from '../helpers/ledger.js';
import { useWalletFixture } from './setup.js';

const f = useWalletFixture();
const nextYear = new Date('2027-11-21T00:00:00Z');

async function problemOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VoucherError);
  return (error as VoucherError).problem;
}

describe('vouchers', () => {
  it('are created in batches of unique single-use codes', async () => {
    const batch = await f.vouchers.createBatch({ label: 'Launch', valueMicros: 2_000_000, quantity: 50, expiresAt: nextYear });
    expect(batch).toMatchObject({ label: 'Launch', valueMicros: 2_000_000, quantity: 50, expiresAt: '2027-11-21T00:00:00.000Z' });
    expect(new Set(batch.codes).size).toBe(50);
    for (const code of batch.codes) expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(await f.t.db('vouchers').where({ batch_id: batch.id }).count({ n: '*' }).first()).toMatchObject({ n: 50 });
  });

  it('refuse nonsense batches', async () => {
    await expect(f.vouchers.createBatch({ label: 'x', valueMicros: 0, quantity: 1, expiresAt: nextYear })).rejects.toThrow(RangeError);
    await expect(f.vouchers.createBatch({ label: 'x', valueMicros: 1, quantity: 0, expiresAt: nextYear })).rejects.toThrow(RangeError);
    await expect(f.vouchers.createBatch({ label: 'x', valueMicros: 1, quantity: 1, expiresAt: new Date('2020-01-01Z') })).rejects.toThrow(/future/);
  });

  it('credit their value once, however the code is typed', async () => {
    const user = await createUser(f.t.db);
    const [code] = (await f.vouchers.createBatch({ label: 'Promo', valueMicros: 5_000_000, quantity: 1, expiresAt: nextYear })).codes;
    const entry = await f.vouchers.redeem(user, ` ${code!.toLowerCase().replaceAll('-', ' ')} `);
    expect(entry).toMatchObject({ kind: 'voucher', amountMicros: 5_000_000, balanceAfterMicros: 5_000_000, description: `Voucher ${code}` });
    expect(await problemOf(f.vouchers.redeem(user, code!))).toBe('already-redeemed');
    expect((await f.wallet.summary(user)).balanceMicros).toBe(5_000_000);
  });

  it('explain unknown, malformed and expired codes', async () => {
    const user = await createUser(f.t.db);
    expect(await problemOf(f.vouchers.redeem(user, 'ABCD-EFGH-JKMN'))).toBe('not-found');
    expect(await problemOf(f.vouchers.redeem(user, 'hello'))).toBe('invalid');
    const [code] = (await f.vouchers.createBatch({ label: 'Short', valueMicros: 1_000_000, quantity: 1, expiresAt: new Date('2026-11-22T00:00:00Z') })).codes;
    f.clock.set(new Date('2026-11-22T00:00:00Z'));
    const error = await f.vouchers.redeem(user, code!).catch((e: unknown) => e as VoucherError);
    expect(error).toMatchObject({ problem: 'expired', message: 'This voucher expired on 2026-11-22.' });
    expect((await f.wallet.summary(user)).balanceMicros).toBe(0);
  });

  it('format and normalise codes', () => {
    expect(displayCode('ABCDEFGHJKMN')).toBe('ABCD-EFGH-JKMN');
    expect(normaliseCode('abcd efgh-jkmn')).toBe('ABCDEFGHJKMN');
    expect(normaliseCode('ABCD-EFGH-JKM0')).toBeUndefined();
  });
});
