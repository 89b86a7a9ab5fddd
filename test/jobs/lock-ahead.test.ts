import { afterEach, describe, expect, it } from 'vitest';
import { hangupCallJob } from '../../src/jobs/definitions/hangup-call.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';
import { job } from './helpers/repository-contract.js';
import { waitFor } from './helpers/wait.js';

/** The scheduler locks jobs well ahead of their time (lock-ahead.ts) but runs none early and still polls often. */
describe('locking ahead of the run time', () => {
  let bed: SchedulerTestbed | undefined;
  afterEach(async () => {
    await bed?.destroy();
    bed = undefined;
  });

  /** Saved straight into the store, as another process would: no wake-up reaches this scheduler. */
  async function saveElsewhere(callId: string, at: Date): Promise<void> {
    await bed!.store.repository.saveJob(job({ name: hangupCallJob, nextRunAt: at, data: { callId, deadline: at.toISOString() } }), undefined);
  }

  it('locks a job more than a poll interval before it is due, and runs it at its time, not before', async () => {
    bed = await createSchedulerTestbed({ processEvery: 100, lockAheadMs: 1_500 });
    await bed.scheduler.start();
    const due = new Date(Date.now() + 1_400);
    let ranAt = 0;
    bed.handlers.hangupCall.mockImplementation(async () => void (ranAt = Date.now()));
    await saveElsewhere('CA-ahead', due);
    const stored = async () => (await bed!.store.repository.queryJobs({ name: hangupCallJob })).jobs[0];
    await waitFor(async () => (await stored())?.lockedAt !== undefined, 'the job to be locked ahead of its time');
    // Locked with most of the look-ahead still to go: far more than one 100 ms poll interval before it is due.
    expect(due.getTime() - Date.now()).toBeGreaterThan(500);
    await waitFor(() => ranAt > 0, 'the job to run');
    expect(ranAt).toBeGreaterThanOrEqual(due.getTime());
  });

  it('still finds a job saved by another process within a few poll intervals', async () => {
    bed = await createSchedulerTestbed({ processEvery: 100, lockAheadMs: 5_000 });
    await bed.scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const savedAt = Date.now();
    let ranAt = 0;
    bed.handlers.hangupCall.mockImplementation(async () => void (ranAt = Date.now()));
    await saveElsewhere('CA-now', new Date(savedAt));
    await waitFor(() => ranAt > 0, 'the job to run');
    // Agenda's own scan comes every 5 s here (the look-ahead); the scheduler's poll every 100 ms.
    expect(ranAt - savedAt).toBeLessThan(2_000);
  });
});
