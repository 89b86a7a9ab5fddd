import type { Agenda } from 'agenda';
import type { JobContext } from './job-context.js';

/** Gives every account its monthly free minutes back. */
export const resetFreeMinutesJob = 'billing.reset-free-minutes';

/** 00:00 UTC on the 1st of every month. */
export const resetFreeMinutesCron = '0 0 1 * *';
export const resetFreeMinutesTimezone = 'UTC';

const lockLifetimeMs = 10 * 60_000;

export function defineResetFreeMinutes(context: JobContext, resetFreeMinutes: () => Promise<void>): void {
  context.agenda.define(
    resetFreeMinutesJob,
    async () => {
      context.logger.info('resetting monthly free minutes');
      await resetFreeMinutes();
    },
    { concurrency: 1, lockLimit: 1, lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs },
  );
}

/**
 * skipImmediate: registering the schedule (on every start-up) must never itself reset anyone's minutes;
 * the first run is the next 1st of the month.
 */
export async function scheduleMonthlyFreeMinutesReset(agenda: Agenda): Promise<void> {
  await agenda.every(resetFreeMinutesCron, resetFreeMinutesJob, undefined, { timezone: resetFreeMinutesTimezone, skipImmediate: true });
}
