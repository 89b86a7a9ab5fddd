import { describe, expect, it } from 'vitest';
import { expireHoldJob } from '../../src/jobs/definitions/expire-hold.js';
import { useStartedSchedulerTestbed } from './helpers/scheduler-testbed.js';
import { sleep, waitFor } from './helpers/wait.js';

describe('hold expiry job', () => {
  const fixture = useStartedSchedulerTestbed();

  it('expires the hold at its time, once', async () => {
    await fixture.bed.scheduler.scheduleHoldExpiry('H-1', new Date(Date.now() + 200));
    await fixture.bed.scheduler.scheduleHoldExpiry('H-1', new Date(Date.now() + 250));
    await waitFor(() => fixture.bed.handlers.expireHold.mock.calls.length === 1, 'the expiry');
    await sleep(300);
    expect(fixture.bed.handlers.expireHold.mock.calls).toEqual([['H-1']]);
  });

  it('is cancelled when the hold is captured', async () => {
    await fixture.bed.scheduler.scheduleHoldExpiry('H-2', new Date(Date.now() + 60_000));
    expect(await fixture.bed.scheduler.cancelHoldExpiry('H-2')).toBe(1);
    expect((await fixture.bed.scheduler.agenda.queryJobs({ name: expireHoldJob })).total).toBe(0);
  });
});
