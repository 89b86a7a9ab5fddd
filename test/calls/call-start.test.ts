import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { moneyServices, type MoneyServices } from '../../src/calls/money-services.js';
import { planCallHold, quoteCall, type CallStartInput } from '../../src/calls/call-start.js';
import type { WalletRow } from '../../src/ledger/wallet-rows.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createUser, expectLedgerConsistent, accountOf } from '../helpers/ledger.js';

const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';

let t: TestDb;
let money: MoneyServices;
beforeEach(async () => {
  t = await createTestDb();
  money = moneyServices({ db: t.db, clock: new ManualClock(), money: { currency: 'USD', lowBalanceThresholdMicros: 0, freeMinutesPerMonth: 0 } });
  await money.rates.importDeck({
    text: [
      HEADER,
      'US,United States,1,United States,0.01,0.005,60,60,0,0,true',
      'GB,United Kingdom,44,United Kingdom,0.09,0.05,60,60,0,0,true',
      'FR,France,33,France,0.05,0.02,60,60,0,0,false',
    ].join('\n'),
  });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(t.db);
  } finally {
    await t.destroy();
  }
});

/** Quotes the call, then plans its hold from the user's wallet as it stands (what a placement decides from). */
async function quoteAndPlan(input: CallStartInput, spendLimitMicros?: number) {
  const quoted = await quoteCall(money, input);
  if (!quoted.ok) return quoted;
  await money.callCredit.openWallet(input.userId);
  const row = await t.db('wallets').where({ account_id: await accountOf(t.db, input.userId) }).first();
  const wallet: WalletRow = { ...row, balance_micros: Number(row.balance_micros), held_micros: Number(row.held_micros) };
  const planned = planCallHold(money, quoted.quote, wallet, spendLimitMicros);
  return planned.ok ? { ...planned, quote: quoted.quote } : planned;
}

describe('quoteCall and planCallHold', () => {
  it('prices both legs and plans the hold and the time limit for Twilio; the hold settles with the call described', async () => {
    const user = await createUser(t.db);
    await money.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    const start = await quoteAndPlan({ userId: user, callSid: 'call-1', from: '+12015550123', to: '+44 20 7946 0958' });
    expect(start).toMatchObject({ ok: true, quote: { e164: '+442079460958', dialTimeoutSeconds: 30, preBridgeSeconds: 35 }, plan: { hold: { amountMicros: 1_000_000, maxSeconds: 565 } } });
    if (!start.ok) return;
    expect(start.plan.wallet).toEqual({ held_micros: 1_000_000, free_seconds_held: 0 });
    // Nothing is written by quoting or planning.
    expect(await money.callCredit.openHolds()).toEqual([]);
    await money.callCredit.hold({ ...start.quote.request, maxSeconds: start.plan.hold.maxSeconds });
    const settled = await money.callCredit.settle({ callSid: 'call-1', firstLegSeconds: 100, bridgedSeconds: 75 });
    expect(settled.chargedMicros).toBe(2 * 10_000 + 2 * 90_000);
    const [entry] = (await money.wallet.ledger(user)).entries;
    expect(entry).toMatchObject({ kind: 'call_charge', description: 'Call to +442079460958 (United Kingdom), 1 min 15 s', reference: 'call-1' });
  });

  it('refuses disabled, premium and unrated destinations, too little credit and a spent daily cap, without holding anything', async () => {
    const user = await createUser(t.db);
    await money.wallet.credit(user, { kind: 'grant', amountMicros: 90_000, description: 'Grant' });
    const from = '+12015550123';
    expect(await quoteAndPlan({ userId: user, callSid: 'a', from, to: '+33 1 23 45 67 89' })).toMatchObject({ ok: false, reason: 'disabled' });
    expect(await quoteAndPlan({ userId: user, callSid: 'b', from, to: '+1 900 555 1234' })).toMatchObject({ ok: false, reason: 'premium' });
    expect(await quoteAndPlan({ userId: user, callSid: 'c', from, to: '+49 30 1234567' })).toMatchObject({ ok: false, reason: 'no-rate' });
    expect(await quoteAndPlan({ userId: user, callSid: 'd', from: '+49 30 1234567', to: '+442079460958' })).toMatchObject({ ok: false, reason: 'own-number-not-rated' });
    expect(await quoteAndPlan({ userId: user, callSid: 'f', from: '+1 900 555 1234', to: '+442079460958' })).toMatchObject({ ok: false, reason: 'own-number-refused', message: 'Your own phone number cannot be rung: Premium-rate numbers cannot be called.' });
    // One minute of talk: 0.09 to the UK, and 2 minutes of the first leg (60 s + 35 s of ringing) at 0.01.
    const poor = await quoteAndPlan({ userId: user, callSid: 'e', from, to: '+442079460958' });
    expect(poor).toMatchObject({ ok: false, reason: 'insufficient-credit', message: 'Not enough credit for a minute to this number ($0.1100 needed).' });
    await money.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    expect(await quoteAndPlan({ userId: user, callSid: 'g', from, to: '+442079460958' }, 109_999)).toMatchObject({ ok: false, reason: 'insufficient-credit', message: 'Your daily spending limit is reached for this number: it resets at midnight UTC.' });
    // Within what is left of the cap, the call is held for as long as the cap pays.
    expect(await quoteAndPlan({ userId: user, callSid: 'h', from, to: '+442079460958' }, 110_000)).toMatchObject({ ok: true, plan: { hold: { amountMicros: 110_000, maxSeconds: 60 } } });
    expect(await money.callCredit.openHolds()).toEqual([]);
  });
});
