import { describe, expect, it } from 'vitest';
import { resetFreeMinutesJob } from '../../src/jobs/definitions/reset-free-minutes.js';
import { useStartedSchedulerTestbed } from './helpers/scheduler-testbed.js';
import { sleep, waitFor } from './helpers/wait.js';

function firstOfNextMonthUtc(from: Date): number {
  return Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1);
}

describe('monthly free-minutes reset job', () => {
  const fixture = useStartedSchedulerTestbed();

  it('is scheduled for 00:00 UTC on the 1st of next month and does not run when registered', async () => {
    await fixture.bed.scheduler.scheduleMonthlyFreeMinutesReset();
    await fixture.bed.scheduler.scheduleMonthlyFreeMinutesReset(); // every start-up registers it again
    const { jobs, total } = await fixture.bed.scheduler.agenda.queryJobs({ name: resetFreeMinutesJob });
    expect(total).toBe(1);
    expect(jobs[0]?.nextRunAt?.getTime()).toBe(firstOfNextMonthUtc(new Date()));
    expect(jobs[0]?.repeatTimezone).toBe('UTC');
    await sleep(300);
    expect(fixture.bed.handlers.resetFreeMinutes).not.toHaveBeenCalled();
  });

  it('resets the minutes when due and moves on to the following month', async () => {
    await fixture.bed.scheduler.scheduleMonthlyFreeMinutesReset();
    const [job] = (await fixture.bed.scheduler.agenda.queryJobs({ name: resetFreeMinutesJob })).jobs;
    // Pretend the 1st of the month has come.
    await fixture.bed.scheduler.agenda.db.saveJob({ ...job!, nextRunAt: new Date(Date.now() - 1000) }, undefined);
    await waitFor(() => fixture.bed.handlers.resetFreeMinutes.mock.calls.length === 1, 'the reset');
    await waitFor(async () => (await fixture.bed.scheduler.agenda.queryJobs({ name: resetFreeMinutesJob })).jobs[0]?.lockedAt === undefined, 'the run to finish');
    const [after] = (await fixture.bed.scheduler.agenda.queryJobs({ name: resetFreeMinutesJob })).jobs;
    expect(after?.nextRunAt?.getTime()).toBe(firstOfNextMonthUtc(new Date()));
  });
});
