import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { costBreakdown } from '../../src/calls/call-cost.js';
import { CallEvents } from '../../src/calls/call-events.js';
import type { CallRecord, CallsRepository } from '../../src/calls/calls-repository.js';
import { createUser } from '../helpers/ledger.js';
import { tariff, useWalletFixture } from '../wallet/setup.js';

const f = useWalletFixture();
const tariffs = { first: tariff(10_000), bridged: tariff(90_000) };

/** CallEvents.settle over the real CallCredit, with the call repository reduced to the one write it makes. */
function events() {
  const recordSettlement = vi.fn(async () => 1);
  const onSettled = vi.fn(async () => undefined);
  const holdTerms = vi.spyOn(f.calls, 'holdTerms');
  const repo = { recordSettlement } as unknown as CallsRepository;
  const subject = new CallEvents({ repo, callCredit: f.calls, clock: f.clock, logger: pino({ level: 'silent' }), publicUrl: 'http://x.test', hangups: undefined, onSettled });
  return { subject, recordSettlement, onSettled, holdTerms };
}

const call = (id: string, legs: { firstLegSeconds: number; bridgedSeconds: number }) => ({ id, status: 'completed', settledAt: null, ...legs }) as unknown as CallRecord;

describe('CallEvents.settle', () => {
  it('charges the hold and records its breakdown from the settlement alone', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'C1', tariffs });
    const { subject, recordSettlement, onSettled, holdTerms } = events();
    const legs = { firstLegSeconds: 95, bridgedSeconds: 61 };
    await subject.settle(call('C1', legs));
    const breakdown = costBreakdown(tariffs, legs, { chargedMicros: 200_000, freeSecondsUsed: 0, uncollectedMicros: 0 });
    // Recorded inside the ledger's settlement transaction (its third argument).
    expect(recordSettlement).toHaveBeenCalledWith('C1', { costMicros: 200_000, uncollectedCostMicros: 0, costBreakdown: breakdown, settledAt: '2026-11-21T12:00:00.000Z' }, expect.anything());
    expect(onSettled).toHaveBeenCalledOnce();
    expect(holdTerms).not.toHaveBeenCalled();
    expect((await f.wallet.summary(user)).balanceMicros).toBe(1_800_000);
  });

  it('settles a call that never held credit at no charge, without a breakdown', async () => {
    const { subject, recordSettlement, onSettled } = events();
    await subject.settle(call('C2', { firstLegSeconds: 10, bridgedSeconds: 0 }));
    expect(recordSettlement).toHaveBeenCalledWith('C2', { costMicros: 0, uncollectedCostMicros: 0, costBreakdown: null, settledAt: '2026-11-21T12:00:00.000Z' }, undefined);
    expect(onSettled).toHaveBeenCalledOnce();
  });

  it('records a repeat with the first settlement\'s charge and breakdown', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'C3', tariffs });
    await f.calls.settle({ callSid: 'C3', firstLegSeconds: 60, bridgedSeconds: 60 });
    const { subject, recordSettlement } = events();
    const legs = { firstLegSeconds: 60, bridgedSeconds: 60 };
    await subject.settle(call('C3', legs));
    expect(recordSettlement).toHaveBeenCalledWith('C3', expect.objectContaining({ costMicros: 100_000, costBreakdown: costBreakdown(tariffs, legs, { chargedMicros: 100_000, freeSecondsUsed: 0, uncollectedMicros: 0 }) }), expect.anything());
  });

  it('is one transaction: when recording the call\'s cost fails, the ledger\'s charge is rolled back with it', async () => {
    const user = await createUser(f.t.db);
    await f.wallet.credit(user, { kind: 'grant', amountMicros: 2_000_000, description: 'Grant' });
    await f.calls.hold({ userId: user, callSid: 'C4', tariffs });
    const { subject, recordSettlement } = events();
    recordSettlement.mockRejectedValueOnce(new Error('the calls table is unwell'));
    await expect(subject.settle(call('C4', { firstLegSeconds: 60, bridgedSeconds: 60 }))).rejects.toThrow('unwell');
    expect(await f.calls.isOpen('C4')).toBe(true);
    expect(await f.wallet.summary(user)).toMatchObject({ balanceMicros: 2_000_000 });
    expect((await f.wallet.ledger(user)).total).toBe(1);
    await subject.settle(call('C4', { firstLegSeconds: 60, bridgedSeconds: 60 }));
    expect(await f.calls.isOpen('C4')).toBe(false);
    expect((await f.wallet.summary(user)).balanceMicros).toBe(1_900_000);
  });
});
