import { afterEach, beforeEach } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Rate } from '../../src/rating/rate.js';
import { rate } from '../rating/arbitraries.js';
import { CallCredit } from '../../src/calls/call-credit.js';
import { VoucherService } from '../../src/wallet/vouchers.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';

export interface WalletFixture {
  t: TestDb;
  clock: ManualClock;
  wallet: Ledger;
  calls: CallCredit;
  vouchers: VoucherService;
}

/** A fresh database and services per test, with the ledger invariants checked after every test. */
export function useWalletFixture(options: { freeMinutesPerMonth?: number } = {}): WalletFixture {
  const fixture = {} as WalletFixture;
  beforeEach(async () => {
    fixture.t = await createTestDb();
    fixture.clock = new ManualClock(new Date('2026-11-21T12:00:00Z'));
    fixture.wallet = new Ledger({ db: fixture.t.db, clock: fixture.clock, freeMinutesPerMonth: options.freeMinutesPerMonth ?? 0 });
    fixture.calls = new CallCredit(fixture.wallet);
    fixture.vouchers = new VoucherService(fixture.wallet);
  });
  afterEach(async () => {
    try {
      await expectLedgerConsistent(fixture.t.db);
    } finally {
      await fixture.t.destroy();
    }
  });
  return fixture;
}

/** A 60/60 United Kingdom rate selling at sellPerMinMicros, costing nothing (so margin checks never refuse it). */
export function tariff(sellPerMinMicros: number, overrides: Partial<Rate> = {}): Rate {
  return rate({ sellPerMinMicros, costPerMinMicros: 0, ...overrides });
}
