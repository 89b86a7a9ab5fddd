import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { compareMoneyIn, moneyInErrors, topUpEntries, type PaidSession } from '../../tools/storm/money-in.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createUser } from '../helpers/ledger.js';

const paid: PaidSession[] = [
  { id: 'cs_test_one', amountMicros: 2_000_000 },
  { id: 'cs_test_two', amountMicros: 5_000_000 },
];

describe('storm money-in audit', () => {
  let t: TestDb;
  let wallet: Ledger;
  let user: number;
  const topUp = (session: string, amountMicros: number) =>
    wallet.credit(user, { kind: 'purchase', amountMicros, description: 'Card top-up', reference: session, idempotencyKey: `stripe:${session}` });

  beforeEach(async () => {
    t = await createTestDb();
    wallet = new Ledger({ db: t.db, clock: new ManualClock(new Date('2026-12-07T02:00:00Z')), freeMinutesPerMonth: 0 });
    user = await createUser(t.db);
    // The storm's starting credit is a grant, not money in: the audit must not count it.
    await wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Storm credit' });
  });
  afterEach(() => t.destroy());

  it('finds nothing wrong when every paid session was credited once, for its amount', async () => {
    await topUp('cs_test_one', 2_000_000);
    await topUp('cs_test_two', 5_000_000);
    const audit = compareMoneyIn(await topUpEntries(t.db), paid);
    expect(audit).toEqual({ paidSessions: 2, paidMicros: 7_000_000, creditedMicros: 7_000_000, uncredited: 0, duplicateReferences: 0, unmatchedCredits: 0 });
    expect(moneyInErrors(audit)).toEqual([]);
  });

  it('reports a paid session the ledger never credited, and the money it is short', async () => {
    await topUp('cs_test_one', 2_000_000);
    const audit = compareMoneyIn(await topUpEntries(t.db), paid);
    expect(audit.uncredited).toBe(1);
    expect(audit.paidMicros - audit.creditedMicros).toBe(5_000_000);
    expect(moneyInErrors(audit)).toEqual([
      'money in: 5000000 micro-units paid at Stripe but not credited (negative: credited but not paid)',
      'money in: 1 paid checkout session(s) never credited',
    ]);
  });

  it('reports a credit for no payment and a credit of the wrong amount', async () => {
    await topUp('cs_test_one', 2_000_000);
    await topUp('cs_test_two', 4_000_000);
    await topUp('cs_test_unpaid', 1_000_000);
    const audit = compareMoneyIn(await topUpEntries(t.db), paid);
    expect(audit.unmatchedCredits).toBe(2);
    expect(moneyInErrors(audit)).toContain('money in: 2 top-up credit(s) matching no paid session');
  });

  it('reports a session credited twice (the ledger refuses it, so this is the audit alone)', () => {
    const entries = [
      { reference: 'cs_test_one', amountMicros: 2_000_000 },
      { reference: 'cs_test_one', amountMicros: 2_000_000 },
      { reference: 'cs_test_two', amountMicros: 5_000_000 },
    ];
    const audit = compareMoneyIn(entries, paid);
    expect(audit.duplicateReferences).toBe(1);
    expect(audit.creditedMicros - audit.paidMicros).toBe(2_000_000);
    expect(moneyInErrors(audit)).toContain('money in: 1 checkout session(s) credited more than once');
  });
});
