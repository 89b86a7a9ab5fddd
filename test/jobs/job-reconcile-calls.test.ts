import { describe, expect, it } from 'vitest';
import { reconcileCallsJob } from '../../src/jobs/definitions/reconcile-calls.js';
import { useStartedSchedulerTestbed } from './helpers/scheduler-testbed.js';
import { waitFor } from './helpers/wait.js';

describe('reconciliation job', () => {
  const fixture = useStartedSchedulerTestbed();

  it('runs right away, then every minute, as one recurring job however often it is registered', async () => {
    await fixture.bed.scheduler.scheduleReconciliation();
    await fixture.bed.scheduler.scheduleReconciliation();
    await waitFor(() => fixture.bed.handlers.reconcileCalls.mock.calls.length === 1, 'the first reconciliation');
    await waitFor(async () => (await fixture.bed.scheduler.agenda.queryJobs({ name: reconcileCallsJob })).jobs[0]?.lockedAt === undefined, 'the run to finish');
    const { jobs, total } = await fixture.bed.scheduler.agenda.queryJobs({ name: reconcileCallsJob });
    expect(total).toBe(1);
    expect(jobs[0]?.repeatInterval).toBe('1 minute');
    const next = jobs[0]!.nextRunAt!.getTime() - jobs[0]!.lastRunAt!.getTime();
    expect(next).toBeGreaterThanOrEqual(59_000);
    expect(next).toBeLessThanOrEqual(61_000);
  });
});
