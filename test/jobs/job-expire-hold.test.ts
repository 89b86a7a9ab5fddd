import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expireHoldJob } from '../../src/jobs/definitions/expire-hold.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';
import { sleep, waitFor } from './helpers/wait.js';

describe('hold expiry job', () => {
  let bed: SchedulerTestbed;
  beforeEach(async () => {
    bed = await createSchedulerTestbed();
    await bed.scheduler.start();
  });
  afterEach(async () => {
    await bed.destroy();
  });

  it('expires the hold at its time, once', async () => {
    await bed.scheduler.scheduleHoldExpiry('H-1', new Date(Date.now() + 200));
    await bed.scheduler.scheduleHoldExpiry('H-1', new Date(Date.now() + 250));
    await waitFor(() => bed.handlers.expireHold.mock.calls.length === 1, 'the expiry');
    await sleep(300);
    expect(bed.handlers.expireHold.mock.calls).toEqual([['H-1']]);
  });

  it('is cancelled when the hold is captured', async () => {
    await bed.scheduler.scheduleHoldExpiry('H-2', new Date(Date.now() + 60_000));
    expect(await bed.scheduler.cancelHoldExpiry('H-2')).toBe(1);
    expect((await bed.scheduler.agenda.queryJobs({ name: expireHoldJob })).total).toBe(0);
  });
});
