import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EmailStore } from './email-store.js';
import type { EmailKind, EmailTemplates } from './templates.js';
import type { MailTransport } from './transport.js';

/** Attempts before an email is marked failed (with the job's backoff: about half an hour of trying). */
export const EMAIL_MAX_ATTEMPTS = 6;

export interface EmailRequest {
  to: string;
  kind: EmailKind;
  data: Record<string, unknown>;
  userId?: number | null;
  headers?: Record<string, string>;
}

export interface MailerDeps {
  store: EmailStore;
  templates: EmailTemplates;
  transport: MailTransport;
  from: string;
  clock: Clock;
  logger: Logger;
  /** The send job's scheduler, read at each queue(); none (tests without jobs): delivered in the background instead. */
  scheduler: () => ((emailId: number) => Promise<void>) | undefined;
}

/**
 * Queues emails and delivers them. queue() never throws: a template, database or scheduler failure is logged and
 * the request that wanted the email goes on (the email is then missing from the log, or queued without a job).
 */
export function createMailer(deps: MailerDeps) {
  const { store, clock, logger } = deps;
  const background = new Set<Promise<unknown>>();

  function inBackground(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => logger.error({ err }, 'email delivery failed')).finally(() => background.delete(tracked));
    background.add(tracked);
  }

  const mailer = {
    async queue(request: EmailRequest): Promise<number | undefined> {
      try {
        const rendered = deps.templates.render(request.kind, request.data);
        const id = await store.insert({ userId: request.userId ?? null, kind: request.kind, to: request.to, ...rendered, headers: request.headers ?? {}, transport: deps.transport.name }, clock.now().toISOString());
        const schedule = deps.scheduler();
        if (schedule) await schedule(id);
        else inBackground(mailer.deliver(id).catch(() => undefined));
        return id;
      } catch (err) {
        logger.error({ err, kind: request.kind }, 'could not queue an email');
        return undefined;
      }
    },

    /**
     * One attempt (the send job's handler). Throws while attempts remain, so the job retries with backoff; after
     * the last one the email is marked failed and the job ends quietly.
     */
    async deliver(emailId: number): Promise<void> {
      const email = await store.find(emailId);
      if (!email) return;
      const attempt = await store.startAttempt(emailId);
      if (attempt === undefined) return;
      try {
        const sent = await deps.transport.send({ from: deps.from, to: email.to, subject: email.subject, text: email.text, html: email.html, headers: email.headers });
        await store.markSent(emailId, clock.now().toISOString(), sent.messageId);
      } catch (err) {
        const giveUp = attempt >= EMAIL_MAX_ATTEMPTS;
        await store.recordFailure(emailId, err instanceof Error ? err.message : String(err), giveUp);
        logger.warn({ err, emailId, kind: email.kind, attempt, giveUp }, giveUp ? 'email failed for good' : 'email attempt failed; retrying');
        if (!giveUp) throw err;
      }
    },

    /** Tracks work started without waiting for it (a notice sent after the response), so idle() waits for it too. */
    inBackground,

    /** Resolves when background work (deliveries without a scheduler, notices) has finished: for tests and shutdown. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
  return mailer;
}

export type Mailer = ReturnType<typeof createMailer>;
