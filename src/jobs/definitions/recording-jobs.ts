import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Downloads a finished recording from Twilio, stores and bills it, then deletes it at Twilio. */
export const processRecordingJob = 'recordings.process';
/** Deletes recordings past the admin-set retention and requeues any whose processing stopped half-way. */
export const recordingRetentionJob = 'recordings.retention';
export const recordingRetentionCron = '17 * * * *';

export interface ProcessRecordingData {
  recordingId: number;
}

/** Twilio's media may lag its callback, and its API may be briefly down: 10 s doubling to at most 30 min. */
export const recordingBackoff = exponential({ delay: 10_000, factor: 2, maxDelay: 30 * 60_000, maxRetries: 8, jitter: 0.1 });

export function defineRecordingJobs(context: JobContext, handlers: { process: (id: number) => Promise<void>; retention: () => Promise<void> }, backoff = recordingBackoff): void {
  context.agenda.define<ProcessRecordingData>(
    processRecordingJob,
    async (job: Job<ProcessRecordingData>) => {
      await handlers.process(job.attrs.data.recordingId);
    },
    // A recording is a few MB at most: a minute is plenty before another worker may take over a crashed one's job.
    { concurrency: 4, lockLifetime: context.lockLifetimeMs ?? 2 * 60_000, backoff, removeOnComplete: true },
  );
  context.agenda.define(recordingRetentionJob, async () => handlers.retention(), { concurrency: 1, lockLimit: 1, lockLifetime: context.lockLifetimeMs ?? 10 * 60_000 });
}

export async function scheduleRecordingProcess(agenda: Agenda, recordingId: number): Promise<void> {
  await agenda.create<ProcessRecordingData>(processRecordingJob, { recordingId }).unique({ 'data.recordingId': recordingId }).schedule(new Date()).save();
}

export async function scheduleRecordingRetention(agenda: Agenda): Promise<void> {
  await agenda.every(recordingRetentionCron, recordingRetentionJob, undefined, { timezone: 'UTC', skipImmediate: true });
}
