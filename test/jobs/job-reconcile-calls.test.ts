import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcileCallsJob } from '../../src/jobs/definitions/reconcile-calls.js';
import { createSchedulerTestbed, type SchedulerTestbed } from './helpers/scheduler-testbed.js';
import { waitFor } from './helpers/wait.js';

describe('reconciliation job', () => {
  let bed: SchedulerTestbed;
  beforeEach(async () => {
    bed = await createSchedulerTestbed();
    await bed.scheduler.start();
  });
  afterEach(async () => {
    await bed.destroy();
  });

  it('runs right away, then every minute, as one recurring job however often it is registered', async () => {
    await bed.scheduler.scheduleReconciliation();
    await bed.scheduler.scheduleReconciliation();
    await waitFor(() => bed.handlers.reconcileCalls.mock.calls.length === 1, 'the first reconciliation');
    await waitFor(async () => (await bed.scheduler.agenda.queryJobs({ name: reconcileCallsJob })).jobs[0]?.lockedAt === undefined, 'the run to finish');
    const { jobs, total } = await bed.scheduler.agenda.queryJobs({ name: reconcileCallsJob });
    expect(total).toBe(1);
    expect(jobs[0]?.repeatInterval).toBe('1 minute');
    const next = jobs[0]!.nextRunAt!.getTime() - jobs[0]!.lastRunAt!.getTime();
    expect(next).toBeGreaterThanOrEqual(59_000);
    expect(next).toBeLessThanOrEqual(61_000);
  });
});
