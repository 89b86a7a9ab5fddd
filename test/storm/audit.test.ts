import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { auditAgainstNetwork, auditLedger, moneyErrors, type SimLeg } from '../../tools/storm/audit.js';
import { CallCredit } from '../../src/calls/call-credit.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { createUser, accountOf } from '../helpers/ledger.js';
import { rate } from '../rating/arbitraries.js';

const tariffs = { first: rate({ sellPerMinMicros: 10_000, costPerMinMicros: 0 }), bridged: rate({ sellPerMinMicros: 90_000, costPerMinMicros: 0 }) };
const sid = (n: number) => `CA${String(n).padStart(32, '0')}`;

describe('storm audit', () => {
  let t: TestDb;
  let wallet: Ledger;
  let credit: CallCredit;
  let user: number;

  beforeEach(async () => {
    t = await createTestDb();
    const clock = new ManualClock(new Date('2026-11-22T04:00:00Z'));
    wallet = new Ledger({ db: t.db, clock, freeMinutesPerMonth: 0 });
    credit = new CallCredit(wallet);
    user = await createUser(t.db);
    await wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'storm credit' });
    await credit.hold({ userId: user, callSid: sid(1), tariffs, maxSeconds: 120 });
    await credit.settle({ callSid: sid(1), firstLegSeconds: 70, bridgedSeconds: 60 });
    await credit.hold({ userId: user, callSid: sid(2), tariffs, maxSeconds: 120 });
  });
  afterEach(() => t.destroy());

  it('finds nothing wrong in a consistent ledger', async () => {
    const audit = await auditLedger(t.db);
    expect(audit).toMatchObject({ openHolds: 1, settledHolds: 1, driftMicros: 0, doubleCharges: 0, chargeMismatches: 0, negativeBalances: 0, heldMismatches: 0 });
    expect(audit.chargedMicros).toBeGreaterThan(0);
    expect(moneyErrors(audit, undefined)).toEqual([]);
  });

  it('reports drift, double charges, charge mismatches and negative balances', async () => {
    await t.db('wallets').where({ account_id: await accountOf(t.db, user) }).increment('balance_micros', 7);
    await t.db('ledger_entries').insert({ account_id: await accountOf(t.db, user), user_id: user, kind: 'call_charge', amount_micros: -5, balance_after_micros: -3, description: 'dup', reference: sid(1), created_at: 'x' });
    const audit = await auditLedger(t.db);
    expect(audit.doubleCharges).toBe(1);
    expect(audit.chargeMismatches).toBe(1);
    expect(audit.negativeBalances).toBe(1);
    expect(audit.driftMicros).toBe(12); // the wallet 7 above its ledger, and the ledger 5 lower again
    expect(moneyErrors(audit, undefined)).toHaveLength(4);
  });

  it('checks every answered call was billed and capped, against the network', async () => {
    await credit.hold({ userId: user, callSid: sid(3), tariffs, maxSeconds: 60 });
    await credit.settle({ callSid: sid(3), firstLegSeconds: 0, bridgedSeconds: 0 }); // settled free, yet it talked
    const legs: SimLeg[] = [
      { sid: sid(1), parent_call_sid: null, status: 'completed', duration: '70' },
      { sid: 'CAchild1', parent_call_sid: sid(1), status: 'completed', duration: '60' },
      { sid: sid(2), parent_call_sid: null, status: 'completed', duration: '200' },
      { sid: 'CAchild2', parent_call_sid: sid(2), status: 'completed', duration: '190' }, // 70 s past its 120 s
      { sid: sid(3), parent_call_sid: null, status: 'completed', duration: '30' },
      { sid: 'CAchild3', parent_call_sid: sid(3), status: 'completed', duration: '20' },
      { sid: sid(4), parent_call_sid: null, status: 'busy', duration: '0' },
    ];
    const truth = await auditAgainstNetwork(t.db, legs, 5, (s) => s);
    expect(truth).toEqual({ placed: 4, answered: 3, answeredUnbilled: 1, outlivedCredit: 1, maxOverrunSeconds: 70, answeredStillOpen: 1 });
    expect(moneyErrors(await auditLedger(t.db), truth)).toHaveLength(2);
  });
});

describe('storm audit against the exact cut', () => {
  let t: TestDb;

  beforeEach(async () => {
    t = await createTestDb();
  });
  afterEach(() => t.destroy());

  // The app's own call ids (calls.id is varchar(32)): holds are keyed by them, and the audit maps Twilio's SIDs to them.
  const callId = (n: number) => `cl_${String(n).padStart(20, 'a')}`;

  it('bounds a call by the talk limit cut at answer, not by the hold estimate made at placement', async () => {
    const clock = new ManualClock(new Date('2026-11-22T04:00:00Z'));
    const wallet = new Ledger({ db: t.db, clock, freeMinutesPerMonth: 0 });
    const credit = new CallCredit(wallet);
    const user = await createUser(t.db);
    await wallet.credit(user, { kind: 'grant', amountMicros: 1_000_000, description: 'storm credit' });
    const call = (id: string, talkLimit: number) => ({
      id, user_id: user, to_e164: '+15005551003', from_e164: '+15005550006', status: 'completed', confirm_answer: false,
      created_at: '2026-11-22T04:00:00Z', expected_end_at: '2026-11-22T04:10:00Z', time_limit_s: talkLimit + 5, talk_limit_s: talkLimit,
      dial_timeout_s: 30, hold_micros: 0,
    });
    // Both held with an estimate of 120 s; the cut at answer gave the first 160 s (a quick set-up), the second 100 s.
    await t.db('calls').insert([call(callId(1), 160), call(callId(2), 100)]);
    await credit.hold({ userId: user, callSid: callId(1), tariffs, maxSeconds: 120 });
    await credit.hold({ userId: user, callSid: callId(2), tariffs, maxSeconds: 120 });
    const legs: SimLeg[] = [
      { sid: callId(1), parent_call_sid: null, status: 'completed', duration: '165' },
      { sid: 'CAchild1', parent_call_sid: callId(1), status: 'completed', duration: '160' }, // within its cut
      { sid: callId(2), parent_call_sid: null, status: 'completed', duration: '120' },
      { sid: 'CAchild2', parent_call_sid: callId(2), status: 'completed', duration: '115' }, // 15 s past its cut
    ];
    const truth = await auditAgainstNetwork(t.db, legs, 5, (s) => s);
    expect(truth).toMatchObject({ answered: 2, outlivedCredit: 1, maxOverrunSeconds: 15 });
  });
});
