import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Applies one stored Stripe webhook event (the endpoint only verifies, stores and answers). */
export const applyStripeEventJob = 'stripe.event';

export interface ApplyStripeEventData {
  eventRowId: number;
}

const lockLifetimeMs = 60_000;

/**
 * An event usually fails only because what it confirms is not recorded yet (a refund's event racing its request) or
 * the database hiccupped: 1 s doubling to 10 min, 12 tries (about an hour), after which the row stays unprocessed and
 * Stripe's own retries or a resend queue it again.
 */
export const stripeEventBackoff = exponential({ delay: 1_000, factor: 2, maxDelay: 10 * 60_000, maxRetries: 12, jitter: 0.1 });

export function defineApplyStripeEvent(context: JobContext, apply: (eventRowId: number) => Promise<void>, backoff = stripeEventBackoff): void {
  context.agenda.define<ApplyStripeEventData>(
    applyStripeEventJob,
    async (job: Job<ApplyStripeEventData>) => {
      await apply(job.attrs.data.eventRowId);
    },
    { concurrency: 10, lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs, backoff, removeOnComplete: true },
  );
}

/** One job per stored event: a duplicate delivery while the job waits does not queue a second one. */
export async function scheduleStripeEvent(agenda: Agenda, eventRowId: number): Promise<void> {
  await agenda.create<ApplyStripeEventData>(applyStripeEventJob, { eventRowId }).unique({ 'data.eventRowId': eventRowId }).schedule(new Date()).save();
}
