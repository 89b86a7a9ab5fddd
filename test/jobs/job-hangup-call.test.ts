import { describe, expect, it } from 'vitest';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { createSchedulerTestbed, useStartedSchedulerTestbed } from './helpers/scheduler-testbed.js';
import { sleep, waitFor } from './helpers/wait.js';

describe('hangup job', () => {
  const fixture = useStartedSchedulerTestbed();

  it('hangs up the call at its credit deadline, not before, and removes the finished job', async () => {
    const at = new Date(Date.now() + 400);
    await fixture.bed.scheduler.scheduleHangup('CA-1', at);
    await sleep(200);
    expect(fixture.bed.handlers.hangupCall).not.toHaveBeenCalled();
    await waitFor(() => fixture.bed.handlers.hangupCall.mock.calls.length === 1, 'the hangup');
    expect(fixture.bed.handlers.hangupCall).toHaveBeenCalledWith('CA-1');
    await waitFor(async () => (await fixture.bed.scheduler.agenda.queryJobs({ name: hangupCallJob })).total === 0, 'the finished hangup to be removed');
  });

  it('keeps one hangup per call: scheduling again moves the deadline', async () => {
    await fixture.bed.scheduler.scheduleHangup('CA-2', new Date(Date.now() + 60_000));
    const later = new Date(Date.now() + 120_000);
    await fixture.bed.scheduler.scheduleHangup('CA-2', later);
    await fixture.bed.scheduler.scheduleHangup('CA-3', new Date(Date.now() + 60_000));
    const { jobs } = await fixture.bed.scheduler.agenda.queryJobs({ name: hangupCallJob, data: { callId: 'CA-2' } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.nextRunAt?.getTime()).toBe(later.getTime());
    expect((await fixture.bed.scheduler.agenda.queryJobs({ name: hangupCallJob })).total).toBe(2);
  });

  it('cancels the hangup of a call that ended normally', async () => {
    await fixture.bed.scheduler.scheduleHangup('CA-4', new Date(Date.now() + 300));
    expect(await fixture.bed.scheduler.cancelHangup('CA-4')).toBe(1);
    expect(await fixture.bed.scheduler.cancelHangup('CA-4')).toBe(0);
    await sleep(600);
    expect(fixture.bed.handlers.hangupCall).not.toHaveBeenCalled();
  });

  it('does not hang up early when the deadline moves after a worker locked the job ahead of time', async () => {
    await fixture.bed.destroy();
    fixture.bed = await createSchedulerTestbed({ processEvery: 1_500 });
    await fixture.bed.scheduler.start();
    const firstDeadline = new Date(Date.now() + 700);
    await fixture.bed.scheduler.scheduleHangup('CA-topup', firstDeadline);
    const stored = async () => (await fixture.bed.store.repository.queryJobs({ name: hangupCallJob })).jobs[0];
    await waitFor(async () => (await stored())?.lockedAt !== undefined, 'the hangup to be locked ahead of its deadline');
    const newDeadline = new Date(Date.now() + 1_200); // a top-up moved it while it sat in the worker's queue
    await fixture.bed.scheduler.scheduleHangup('CA-topup', newDeadline);
    await waitFor(() => fixture.bed.handlers.hangupCall.mock.calls.length === 1, 'the hangup at the new deadline');
    expect(fixture.bed.handlers.hangupCall.mock.invocationCallOrder).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(newDeadline.getTime());
  });

  it('does not hang up when cancelled after a worker locked the job ahead of time', async () => {
    await fixture.bed.destroy();
    fixture.bed = await createSchedulerTestbed({ processEvery: 1_500 });
    await fixture.bed.scheduler.start();
    await fixture.bed.scheduler.scheduleHangup('CA-ended', new Date(Date.now() + 500));
    await waitFor(async () => (await fixture.bed.store.repository.queryJobs({ name: hangupCallJob })).jobs[0]?.lockedAt !== undefined, 'the lock ahead of time');
    expect(await fixture.bed.scheduler.cancelHangup('CA-ended')).toBe(1);
    await sleep(900);
    expect(fixture.bed.handlers.hangupCall).not.toHaveBeenCalled();
  });

  it('retries a failed hangup with backoff', async () => {
    fixture.bed.handlers.hangupCall.mockRejectedValueOnce(new Error('carrier timeout'));
    await fixture.bed.scheduler.scheduleHangup('CA-5', new Date());
    await waitFor(() => fixture.bed.handlers.hangupCall.mock.calls.length === 2, 'the retry after a failure');
    expect(fixture.bed.handlers.hangupCall.mock.calls).toEqual([['CA-5'], ['CA-5']]);
  });

  it('refuses an invalid call id or date', async () => {
    await expect(fixture.bed.scheduler.scheduleHangup('', new Date())).rejects.toThrow(/callId/);
    await expect(fixture.bed.scheduler.scheduleHangup('CA-6', new Date('nope'))).rejects.toThrow(/invalid date/);
  });
});
