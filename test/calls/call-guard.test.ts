import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

const CREDIT = 5_000_000;

let h: CallHarness;
beforeEach(async () => {
  h = await startCallHarness({ creditMicros: CREDIT, confirmAnswer: true });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 3, hangupAfterS: 30 });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const balance = async () => (await h.built.services.money.wallet.summary(h.userId)).balanceMicros;
const dialledDestination = () => h.sim.control.calls().some((leg) => leg.to === DESTINATION);

describe('the voicemail guard (CONFIRM_ANSWER, on by default)', () => {
  it('a person who presses 1 is connected', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1, digits: '1' });
    const { res, id } = await startCall(h);
    expect(res.text).toContain('then press 1');
    const call = await h.waitForCall(id!, (c) => c.settledAt !== null);
    expect(call).toMatchObject({ status: 'completed', confirmDigits: '1', bridgedSeconds: 30 });
    expect(call.confirmedAt).not.toBeNull();
    expect(dialledDestination()).toBe(true);
    expect(await balance()).toBe(CREDIT - call.costMicros!);
    expect(call.costMicros).toBeGreaterThan(0);
  });

  it('a voicemail never presses 1: the call hangs up without dialling the destination, shown as "your voicemail answered"', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'voicemail', answerAfterS: 2 });
    const { id } = await startCall(h);
    const confirming = await h.waitForCall(id!, (c) => c.status === 'confirming');
    const asking = await h.agent.get(`/calls/${id}/status`).set('HX-Request', 'true');
    expect(asking.text).toContain('Press 1 on your phone');
    const call = await h.waitForCall(confirming.id, (c) => c.settledAt !== null);
    await h.sim.control.waitForIdle(10_000);
    expect(call).toMatchObject({ status: 'voicemail', confirmDigits: '', costMicros: 0, dialStartedAt: null });
    expect(dialledDestination()).toBe(false);
    expect(call.uncollectedCostMicros).toBeGreaterThan(0);
    const shown = await h.agent.get(`/calls/${id}/status`).set('HX-Request', 'true');
    expect(shown.text).toContain('Your voicemail answered');
    expect(shown.text).not.toContain('hx-trigger');
    expect(await balance()).toBe(CREDIT);
  });

  it('pressing another key does not connect', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1, digits: '7' });
    const { id } = await startCall(h);
    const call = await h.waitForCall(id!, (c) => c.settledAt !== null);
    expect(call).toMatchObject({ status: 'cancelled', confirmDigits: '7', costMicros: 0, failureReason: 'You pressed 7, not 1, so we did not connect the call.' });
    expect(dialledDestination()).toBe(false);
  });
});
