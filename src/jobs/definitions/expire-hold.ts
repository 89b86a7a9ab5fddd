import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Releases a credit hold that was never captured (e.g. a call that never connected). */
export const expireHoldJob = 'billing.expire-hold';

export interface ExpireHoldData {
  holdId: string;
}

const lockLifetimeMs = 60_000;

export function defineExpireHold(context: JobContext, expireHold: (holdId: string) => Promise<void>): void {
  context.agenda.define<ExpireHoldData>(
    expireHoldJob,
    async (job: Job<ExpireHoldData>) => {
      await expireHold(job.attrs.data.holdId);
    },
    { lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs, backoff: exponential({ delay: 5_000, maxRetries: 5 }), removeOnComplete: true },
  );
}

/** One expiry per hold; scheduling again moves it. */
export async function scheduleHoldExpiry(agenda: Agenda, holdId: string, at: Date): Promise<void> {
  await agenda.create<ExpireHoldData>(expireHoldJob, { holdId }).unique({ 'data.holdId': holdId }).schedule(at).save();
}

export async function cancelHoldExpiry(agenda: Agenda, holdId: string): Promise<number> {
  return agenda.cancel({ name: expireHoldJob, data: { holdId } });
}
