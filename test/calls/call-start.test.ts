import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { moneyServices, type MoneyServices } from '../../src/wallet/money-services.js';
import { startCallCredit } from '../../src/calls/call-start.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createUser, expectLedgerConsistent } from '../helpers/ledger.js';

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

describe('startCallCredit', () => {
  it('prices both legs, holds the credit and gives the time limit for Twilio', async () => {
    const user = await createUser(t.db);
    await money.wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'Grant' });
    const start = await startCallCredit(money, { userId: user, callSid: 'call-1', from: '+12015550123', to: '+44 20 7946 0958' });
    expect(start).toMatchObject({ ok: true, e164: '+442079460958', dialTimeoutSeconds: 30, preBridgeSeconds: 35, timeLimitSeconds: 565 });
    if (!start.ok) return;
    expect(start.hold.amountMicros).toBe(1_000_000);
    const settled = await money.callCredit.settle({ callSid: 'call-1', firstLegSeconds: 100, bridgedSeconds: 75 });
    expect(settled.chargedMicros).toBe(2 * 10_000 + 2 * 90_000);
    const [entry] = (await money.wallet.ledger(user)).entries;
    expect(entry).toMatchObject({ kind: 'call_charge', description: 'Call to +442079460958 (United Kingdom), 1 min 15 s', reference: 'call-1' });
  });

  it('refuses disabled, premium and unrated destinations, and too little credit, without holding anything', async () => {
    const user = await createUser(t.db);
    await money.wallet.credit(user, { kind: 'grant', amountMicros: 90_000, description: 'Grant' });
    const from = '+12015550123';
    expect(await startCallCredit(money, { userId: user, callSid: 'a', from, to: '+33 1 23 45 67 89' })).toMatchObject({ ok: false, reason: 'disabled' });
    expect(await startCallCredit(money, { userId: user, callSid: 'b', from, to: '+1 900 555 1234' })).toMatchObject({ ok: false, reason: 'premium' });
    expect(await startCallCredit(money, { userId: user, callSid: 'c', from, to: '+49 30 1234567' })).toMatchObject({ ok: false, reason: 'no-rate' });
    expect(await startCallCredit(money, { userId: user, callSid: 'd', from: '+49 30 1234567', to: '+442079460958' })).toMatchObject({ ok: false, reason: 'own-number-not-rated' });
    expect(await startCallCredit(money, { userId: user, callSid: 'f', from: '+1 900 555 1234', to: '+442079460958' })).toMatchObject({ ok: false, reason: 'own-number-refused', message: 'Your own phone number cannot be rung: Premium-rate numbers cannot be called.' });
    // One minute of talk: 0.09 to the UK, and 2 minutes of the first leg (60 s + 35 s of ringing) at 0.01.
    const poor = await startCallCredit(money, { userId: user, callSid: 'e', from, to: '+442079460958' });
    expect(poor).toMatchObject({ ok: false, reason: 'insufficient-credit', message: 'Not enough credit for a minute to this number ($0.11 needed).' });
    expect(await money.callCredit.openHolds()).toEqual([]);
  });
});
