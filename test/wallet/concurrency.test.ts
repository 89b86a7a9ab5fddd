import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VoucherError } from '../../src/wallet/vouchers.js';
import type { Settlement } from '../../src/calls/call-credit.js';
import { InsufficientCreditError } from '../../src/ledger/wallet-rows.js';
import { createUser, expectLedgerConsistent, accountOf } from '../helpers/ledger.js';
import { waitForBlocked } from '../helpers/pg-locks.js';
import { tariff, useWalletFixture } from './setup.js';

const f = useWalletFixture();
const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };

describe('under concurrency', () => {
  it('50 parallel holds never oversubscribe one balance', async () => {
    const user = await createUser(f.t.db);
    // Each one-minute hold costs 0.10: a balance of 1.75 pays for exactly 17 of them.
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 1_750_000, description: 'Grant' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => f.calls.hold({ userId: user, callSid: `CA${i}`, tariffs, maxSeconds: 60 })),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(17);
    for (const failure of lost) expect(failure.reason).toBeInstanceOf(InsufficientCreditError);
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: 1_750_000, heldMicros: 1_700_000, availableMicros: 50_000 });
  });

  it('20 parallel settlements of one call charge it once', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 5_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    const results = await Promise.all(Array.from({ length: 20 }, () => f.calls.settle({ callSid: 'CA1', firstLegSeconds: 125, bridgedSeconds: 125 })));
    expect(results.filter((r) => !r.alreadySettled)).toHaveLength(1);
    for (const r of results) expect(r.chargedMicros).toBe(300_000);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(4_700_000);
    expect(await f.t.db('ledger_entries').where({ kind: 'call_charge' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it.skipIf(!postgres)('a settlement queued behind another on the hold row sees it settled (PostgreSQL row locks)', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 5_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'CA1', tariffs });
    // Hold the wallet lock so that the first settlement stops after locking the hold row, and the second queues on it.
    const gate = await f.t.db.transaction();
    let settling: Promise<PromiseSettledResult<Settlement>[]> | undefined;
    try {
      const gatePid = Number((await gate.raw('select pg_backend_pid() as pid')).rows[0].pid);
      await gate('wallets').where({ account_id: await accountOf(gate, user) }).forUpdate().first();
      settling = Promise.allSettled([1, 2].map(() => f.calls.settle({ callSid: 'CA1', firstLegSeconds: 125, bridgedSeconds: 125 })));
      const waiting = await waitForBlocked(f.t.db, gatePid, 2);
      // The first has locked the hold and waits on the wallet (the gate); the second waits on the hold row.
      expect(waiting.map((q) => q.match(/^select \* from "(\w+)"/)?.[1]).sort(), waiting.join('\n')).toEqual(['credit_holds', 'wallets']);
    } finally {
      await gate.commit();
      await settling; // never rejects: let both finish before the ledger check, whatever failed above
    }
    const settled = (await settling!).map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    expect(settled.map((r) => r.alreadySettled).sort()).toEqual([false, true]);
    for (const r of settled) expect(r.chargedMicros).toBe(300_000);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(4_700_000);
    expect(await f.t.db('ledger_entries').where({ kind: 'call_charge' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('two simultaneous redemptions of one voucher: one wins, one gets a clear error', async () => {
    const [a, b] = [await createUser(f.t.db), await createUser(f.t.db)];
    const batch = await f.vouchers.createBatch({ label: 'Promo', valueMicros: 5_000_000, quantity: 1, expiresAt: new Date('2027-01-01Z') });
    const code = batch.codes[0]!;
    const results = await Promise.allSettled([f.vouchers.redeem(a, code), f.vouchers.redeem(b, code), f.vouchers.redeem(a, code)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toBeInstanceOf(VoucherError);
      expect((r.reason as VoucherError).problem).toBe('already-redeemed');
    }
    const total = (await f.wallet.summary(a)).balanceMicros + (await f.wallet.summary(b)).balanceMicros;
    expect(total).toBe(5_000_000);
  });

  it('holds never exceed the balance under random interleavings of holds, settlements, credits and charges', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hold' as const), seconds: fc.integer({ min: 1, max: 900 }) }),
      fc.record({ kind: fc.constant('settle' as const), seconds: fc.integer({ min: 0, max: 1200 }) }),
      fc.record({ kind: fc.constant('credit' as const), micros: fc.integer({ min: -500_000, max: 1_000_000 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3_000_000 }), fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { maxLength: 6 }), async (start, rounds) => {
        const user = await createUser(f.t.db);
        if (start > 0) await f.wallet.credit(user, { kind: 'grant', amountMicros: start, description: 'Start' });
        const open: string[] = [];
        for (const round of rounds) {
          // Each round runs its operations at the same time; the next round starts when all have finished.
          await Promise.allSettled(
            round.map((o, i) => {
              if (o.kind === 'hold') {
                const sid = `R${run}-${open.length}-${i}-${Math.random()}`;
                return f.calls.hold({ userId: user, callSid: sid, tariffs, maxSeconds: o.seconds }).then(() => open.push(sid));
              }
              if (o.kind === 'settle') {
                const sid = open.shift();
                return sid ? f.calls.settle({ callSid: sid, firstLegSeconds: o.seconds, bridgedSeconds: o.seconds }) : Promise.resolve();
              }
              return f.wallet.credit(user, { kind: 'adjustment', amountMicros: o.micros || 1, description: 'Random' });
            }),
          );
          await expectLedgerConsistent(f.t.db);
        }
        run++;
      }),
      { numRuns: 25 },
    );
  });
});
