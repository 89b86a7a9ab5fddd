import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Ends a call when its prepaid credit runs out. */
export const hangupCallJob = 'calls.hangup-at-credit-deadline';

export interface HangupCallData {
  callId: string;
  /** ISO time the hangup is for; how a run notices the deadline moved after this worker locked the job. */
  deadline?: string;
}

/** Hanging up takes one API call: a lock older than this means the worker died, and another one takes over. */
const lockLifetimeMs = 30_000;

export function defineHangupCall(context: JobContext, hangupCall: (callId: string) => Promise<void>): void {
  context.agenda.define<HangupCallData>(
    hangupCallJob,
    async (job: Job<HangupCallData>) => {
      if (await deadlineMoved(context.agenda, job)) return;
      context.logger.info({ callId: job.attrs.data.callId, jobId: String(job.attrs._id) }, 'hanging up call at its credit deadline');
      await hangupCall(job.attrs.data.callId);
    },
    {
      priority: 'highest', // money is running out on a live call
      // Many calls can hit their deadline in the same second; each hangup mostly waits on the carrier's API.
      concurrency: 50,
      lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs,
      // A failed hangup keeps costing money: retry quickly, a few times.
      backoff: exponential({ delay: 1_000, maxDelay: 30_000, maxRetries: 5 }),
      removeOnComplete: true,
    },
  );
}

/**
 * Agenda locks a job up to one poll interval before it is due and runs the copy it locked. If the call's
 * deadline was moved in that window (a top-up), the stored job carries the new deadline: instead of hanging up
 * early, this run puts the job back on the new deadline (Agenda saves nextRunAt after the handler returns).
 * A hangup cancelled in that window never gets here: its state can no longer be saved, so Agenda drops the run.
 */
async function deadlineMoved(agenda: Agenda, job: Job<HangupCallData>): Promise<boolean> {
  const stored = await agenda.db.getJobById(String(job.attrs._id));
  const storedDeadline = (stored?.data as HangupCallData | undefined)?.deadline;
  if (!storedDeadline || storedDeadline === job.attrs.data.deadline) return false;
  job.attrs.nextRunAt = new Date(storedDeadline);
  return true;
}

/** One hangup per call: scheduling again moves the existing job to the new deadline (e.g. after a top-up). */
export async function scheduleHangup(agenda: Agenda, callId: string, at: Date): Promise<void> {
  await agenda
    .create<HangupCallData>(hangupCallJob, { callId, deadline: at.toISOString() })
    .unique({ 'data.callId': callId })
    .schedule(at)
    .save();
}

/** Returns how many jobs were removed: 0 when the call had none (already hung up, or never scheduled). */
export async function cancelHangup(agenda: Agenda, callId: string): Promise<number> {
  return agenda.cancel({ name: hangupCallJob, data: { callId } });
}
