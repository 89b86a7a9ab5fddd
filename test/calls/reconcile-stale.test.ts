import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { callsRepository, type CallRecord } from '../../src/calls/calls-repository.js';
import { reconcileCall, type ReconcileDeps } from '../../src/calls/reconcile.js';
import { legCost } from '../../src/rating/leg-cost.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 5_000_000;

let h: CallHarness;
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

function reconcileDeps(): ReconcileDeps {
  const { sim } = h;
  return {
    repo: callsRepository(h.testDb.db),
    events: h.built.services.calls.webhooks,
    callCredit: h.built.services.money.callCredit,
    client: createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url }),
    logger: pino({ level: 'silent' }),
    now: h.clock.now(),
  };
}

/** The call as a reconciliation run that listed it during its start saw it: no SID yet, and (then) overdue. */
const asListedAtItsStart = (call: CallRecord): CallRecord => ({ ...call, parentSid: null, childSid: null, status: 'starting', expectedEndAt: call.createdAt });

/**
 * Reconciliation lists up to 100 overdue calls and asks Twilio about each in turn; on a loaded machine a call's
 * turn can come minutes after the list was read. Seen in a PostgreSQL storm: calls listed during their start
 * (before the SID was known) were later released at zero although they had been answered and bridged.
 */
describe('reconciliation decides on the call as it stands, not as it was listed', () => {
  it('a call listed before Twilio named it, since answered and bridged, is charged for its talk, not released at zero', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 30 });
    // The user leg's final callback never comes, so only reconciliation can settle the call.
    h.sim.control.setFaults({ dropStatusCallbacks: true }, USER_PHONE);
    const { id } = await startCall(h);
    const listed = asListedAtItsStart(await h.call(id!));
    const ended = await h.waitForCall(id!, (c) => c.bridgedSeconds !== null, 30_000);
    expect(ended.settledAt).toBeNull();
    await h.sim.control.waitForIdle(10_000);

    h.clock.advance(3 * 3600_000);
    expect(await reconcileCall(reconcileDeps(), listed)).toBe('settled');

    const settled = await h.call(id!);
    const [placed] = h.sim.control.calls().filter((leg) => leg.to === USER_PHONE);
    expect(settled).toMatchObject({ status: 'completed', parentSid: placed!.sid, bridgedSeconds: 30 });
    expect(settled.costMicros).toBe(legCost(FIRST, Number(placed!.duration)) + legCost(BRIDGED, 30));
    expect(settled.costMicros).toBeGreaterThan(0);
    const charges = (await h.built.services.money.wallet.ledger(h.userId)).entries.filter((e) => e.kind === 'call_charge');
    expect(charges).toHaveLength(1);
  });

  it('a call listed as overdue that is no longer overdue is left alone', async () => {
    h = await startCallHarness({ creditMicros: CREDIT, speed: 20 });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 600 });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.bridgedAt !== null, 30_000);
    const listed = asListedAtItsStart(await h.call(id!));

    expect(await reconcileCall(reconcileDeps(), listed)).toBe('skipped');
    const call = await h.call(id!);
    expect(call).toMatchObject({ status: 'connected', settledAt: null });
    expect(await h.built.services.money.callCredit.isOpen(id!)).toBe(true);
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(id!, (c) => c.settledAt !== null, 30_000);
  });
});
