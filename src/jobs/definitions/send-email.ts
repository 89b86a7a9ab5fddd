import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Delivers one queued email (SMTP, or the embedded outbox). */
export const sendEmailJob = 'email.send';

export interface SendEmailData {
  emailId: number;
}

const lockLifetimeMs = 60_000;

/**
 * A mail server that refuses or is down usually recovers within minutes: 30 s doubling to at most 30 min. The email
 * row counts attempts and gives up after EMAIL_MAX_ATTEMPTS (src/email/mailer.ts), so Agenda's retry count only has
 * to be at least as large.
 */
export const emailBackoff = exponential({ delay: 30_000, factor: 2, maxDelay: 30 * 60_000, maxRetries: 6, jitter: 0.1 });

export function defineSendEmail(context: JobContext, send: (emailId: number) => Promise<void>, backoff = emailBackoff): void {
  context.agenda.define<SendEmailData>(
    sendEmailJob,
    async (job: Job<SendEmailData>) => {
      await send(job.attrs.data.emailId);
    },
    { concurrency: 5, lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs, backoff, removeOnComplete: true },
  );
}

export async function scheduleEmail(agenda: Agenda, emailId: number): Promise<void> {
  await agenda.create<SendEmailData>(sendEmailJob, { emailId }).unique({ 'data.emailId': emailId }).schedule(new Date()).save();
}
