import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Charges a user's saved card once for one crossing of their automatic top-up threshold. */
export const autoTopUpJob = 'payments.auto-top-up';

export interface AutoTopUpData {
  userId: number;
  crossing: number;
}

/** A card error is recorded by the handler (no retry); a network error or Stripe 5xx is retried with the same key. */
export const autoTopUpBackoff = exponential({ delay: 5_000, factor: 2, maxDelay: 10 * 60_000, maxRetries: 6, jitter: 0.1 });

export function defineAutoTopUp(context: JobContext, charge: (userId: number, crossing: number) => Promise<void>, backoff = autoTopUpBackoff): void {
  context.agenda.define<AutoTopUpData>(
    autoTopUpJob,
    async (job: Job<AutoTopUpData>) => {
      await charge(job.attrs.data.userId, job.attrs.data.crossing);
    },
    { concurrency: 5, lockLifetime: context.lockLifetimeMs ?? 60_000, backoff, removeOnComplete: true },
  );
}

/** One job per crossing, however many settlements report it. */
export async function scheduleAutoTopUp(agenda: Agenda, userId: number, crossing: number): Promise<void> {
  await agenda.create<AutoTopUpData>(autoTopUpJob, { userId, crossing }).unique({ 'data.userId': userId, 'data.crossing': crossing }).schedule(new Date()).save();
}
