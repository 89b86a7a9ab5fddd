import type { Agenda } from 'agenda';
import type { JobContext } from './job-context.js';

/** Settles calls whose final status webhook never arrived. */
export const reconcileCallsJob = 'calls.reconcile';

export const reconcileEvery = '1 minute';

/** Reconciliation may page through many calls; a longer lock avoids a second worker starting a parallel pass. */
const lockLifetimeMs = 5 * 60_000;

export function defineReconcileCalls(context: JobContext, reconcileCalls: () => Promise<void>): void {
  context.agenda.define(
    reconcileCallsJob,
    async () => {
      await reconcileCalls();
    },
    // One pass at a time across the whole fleet; the next minute's run picks up whatever this one missed.
    { concurrency: 1, lockLimit: 1, lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs },
  );
}

/** Idempotent: every() upserts the single job by name, so each start-up keeps one recurring job. */
export async function scheduleReconciliation(agenda: Agenda): Promise<void> {
  await agenda.every(reconcileEvery, reconcileCallsJob);
}
