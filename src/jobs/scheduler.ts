import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { Agenda, type AgendaBackend, type Job } from 'agenda';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { cancelHangup, defineHangupCall, scheduleHangup } from './definitions/hangup-call.js';
import type { JobContext } from './definitions/job-context.js';
import { defineReconcileCalls, scheduleReconciliation } from './definitions/reconcile-calls.js';
import { defineResetFreeMinutes, scheduleMonthlyFreeMinutesReset } from './definitions/reset-free-minutes.js';
import { defineDeliverWebhook, scheduleWebhookDelivery, type webhookBackoff } from './definitions/deliver-webhook.js';
import { defineSendEmail, scheduleEmail, type emailBackoff } from './definitions/send-email.js';
import { defineRecordingJobs, recordingBackoff, scheduleRecordingProcess, scheduleRecordingRetention } from './definitions/recording-jobs.js';
import { defineApplyStripeEvent, scheduleStripeEvent, type stripeEventBackoff } from './definitions/apply-stripe-event.js';
import { defineAutoTopUp, scheduleAutoTopUp } from './definitions/auto-top-up.js';
import { useCountedJobQueue } from './counted-job-queue.js';
import { lockAhead } from './lock-ahead.js';
import { decideDebugColoursOnce } from './debug-colours.js';
import { drainAgenda } from './drain.js';
import { createJobBackend } from './job-store.js';
import { releaseQueuedLocks } from './release-locks.js';

/** The business work behind each job; the calls and billing features provide these. */
export interface JobHandlers {
  hangupCall(callId: string): Promise<void>;
  reconcileCalls(): Promise<void>;
  resetFreeMinutes(): Promise<void>;
  /** One attempt at an outgoing webhook; throws to be retried with backoff. */
  deliverWebhook?(deliveryId: number): Promise<void>;
  /** One attempt at sending a queued email; throws to be retried with backoff. */
  sendEmail?(emailId: number): Promise<void>;
  /** One attempt at a recording's download, storage and deletion at Twilio; throws to be retried with backoff. */
  processRecording?(recordingId: number): Promise<void>;
  /** Deletes expired recordings and requeues unfinished ones. */
  recordingRetention?(): Promise<void>;
  /** Applies one stored Stripe event; throws to be retried with backoff. */
  applyStripeEvent?(eventRowId: number): Promise<void>;
  /** Charges a saved card for one crossing of the automatic top-up threshold; throws to be retried. */
  autoTopUp?(userId: number, crossing: number): Promise<void>;
}

export interface JobSchedulerOptions {
  config: Pick<Config, 'jobs' | 'database'>;
  db: Knex;
  logger: Logger;
  handlers: JobHandlers;
  /** Used to report hangups scheduled in the past. Agenda itself always reads the system clock. */
  clock?: Clock;
  /** How often to look for due jobs saved by other processes (ms or '1 second'); default 500 ms. */
  processEvery?: number | string;
  /** How long before its run time a job is locked (lock-ahead.ts); default 2 s, at most half of lockLifetimeMs. */
  lockAheadMs?: number;
  /** Overrides every job's lock lifetime: how long a crashed worker's job stays locked before another runs it. */
  lockLifetimeMs?: number;
  /** Keep a persistent log of job events (start, success, fail, retry) that Agendash shows; default false. */
  jobLog?: boolean;
  /** Register the recurring jobs (reconciliation, monthly reset) on start; default true. */
  recurring?: boolean;
  /** Instead of choosing from config (tests inject a throw-away Postgres table, for instance). */
  backend?: AgendaBackend;
  /** SQLite: one bus for several schedulers in one process. */
  notificationBus?: EventEmitter;
  /** Identifies this process's worker in the jobs table (lastModifiedBy); unique by default. */
  name?: string;
  /** Overrides the webhook retry backoff (tests retry in milliseconds). */
  webhookBackoff?: typeof webhookBackoff;
  /** Overrides the email retry backoff (tests retry in milliseconds). */
  emailBackoff?: typeof emailBackoff;
  /** Overrides the recording download retry backoff (tests retry in milliseconds). */
  recordingBackoff?: typeof recordingBackoff;
  /** Overrides the Stripe event retry backoff (tests retry in milliseconds). */
  stripeEventBackoff?: typeof stripeEventBackoff;
}

export interface JobScheduler {
  /** For Agendash and diagnostics; app code should use the typed helpers. */
  readonly agenda: Agenda;
  start(): Promise<void>;
  /** Graceful: stop taking jobs, let running ones finish (up to timeoutMs), release locks on jobs not yet started. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  scheduleHangup(callId: string, at: Date): Promise<void>;
  cancelHangup(callId: string): Promise<number>;
  scheduleReconciliation(): Promise<void>;
  scheduleMonthlyFreeMinutesReset(): Promise<void>;
  scheduleWebhookDelivery(deliveryId: number): Promise<void>;
  scheduleEmail(emailId: number): Promise<void>;
  scheduleRecordingProcess(recordingId: number): Promise<void>;
  scheduleStripeEvent(eventRowId: number): Promise<void>;
  scheduleAutoTopUp(userId: number, crossing: number): Promise<void>;
}

export function createJobScheduler(options: JobSchedulerOptions): JobScheduler {
  const { logger, handlers } = options;
  decideDebugColoursOnce();
  const clock = options.clock ?? systemClock;
  const name = options.name ?? `callbridge@${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const { backend, connected } = reportConnectFailure(
    options.backend ??
      createJobBackend({
        config: options.config,
        db: options.db,
        onConnectionError: (error) => logger.warn({ err: error }, 'job store lost a database connection; it reconnects on its next query'),
        ...(options.notificationBus ? { notificationBus: options.notificationBus } : {}),
        // Read when a run finishes, after the definitions below exist.
        removesOnSuccess: (jobName) => Boolean(agenda.definitions[jobName]?.removeOnComplete ?? agenda.attrs.removeOnComplete),
      }),
    logger,
  );
  const agenda = new Agenda({
    backend,
    name,
    // Bounds how long another process's job, or one stranded by an early timer (Agenda 6.2.6), waits.
    processEvery: options.processEvery ?? 500,
    defaultLockLifetime: options.lockLifetimeMs ?? 10 * 60_000,
    // Room for a burst of hangups (concurrency 50) next to the other jobs; Agenda's default is 20.
    maxConcurrency: 100,
    // Several writes per job run: off unless asked for.
    logging: options.jobLog ?? false,
  });
  const lookAhead = lockAhead(agenda, { pollMs: agenda.attrs.processEvery, lockAheadMs: options.lockAheadMs, lockLifetimeMs: options.lockLifetimeMs });
  logAgendaEvents(agenda, logger);
  backend.notificationChannel?.on('error', (error: Error) => logger.warn({ err: error }, 'job notification channel error'));
  defineJobs({ agenda, logger, lockLifetimeMs: options.lockLifetimeMs }, handlers, options.webhookBackoff, options.emailBackoff);
  const { processRecording, recordingRetention } = handlers;
  if (processRecording && recordingRetention) {
    defineRecordingJobs({ agenda, logger, lockLifetimeMs: options.lockLifetimeMs }, { process: processRecording, retention: recordingRetention }, options.recordingBackoff);
  }
  const { applyStripeEvent } = handlers;
  if (applyStripeEvent) defineApplyStripeEvent({ agenda, logger, lockLifetimeMs: options.lockLifetimeMs }, (id) => applyStripeEvent(id), options.stripeEventBackoff);
  const { autoTopUp } = handlers;
  if (autoTopUp) defineAutoTopUp({ agenda, logger, lockLifetimeMs: options.lockLifetimeMs }, (userId, crossing) => autoTopUp(userId, crossing));
  let started = false;

  return {
    agenda,
    async start() {
      await connected;
      await agenda.start();
      useCountedJobQueue(agenda);
      lookAhead.started();
      started = true;
      if (options.recurring !== false) {
        await scheduleReconciliation(agenda);
        await scheduleMonthlyFreeMinutesReset(agenda);
        if (handlers.recordingRetention) await scheduleRecordingRetention(agenda);
      }
      logger.info({ store: backend.name, worker: name }, 'job scheduler started');
    },
    async stop({ timeoutMs = 10_000 } = {}) {
      if (!started) return;
      started = false;
      lookAhead.stopped();
      const drained = await drainAgenda(agenda, timeoutMs);
      const released = await releaseQueuedLocks(agenda, name);
      if (backend.ownsConnection) await backend.disconnect();
      logger.info({ ...drained, released }, 'job scheduler stopped');
    },
    async scheduleHangup(callId, at) {
      assertSchedulable('callId', callId, at);
      const lateMs = clock.now().getTime() - at.getTime();
      // "Now" is a normal request; a deadline already well past usually means a late or replayed event.
      if (lateMs > 1_000) logger.warn({ callId, lateMs }, 'hangup scheduled in the past: it runs now');
      await scheduleHangup(agenda, callId, at);
    },
    cancelHangup: (callId) => cancelHangup(agenda, callId),
    scheduleReconciliation: () => scheduleReconciliation(agenda),
    scheduleMonthlyFreeMinutesReset: () => scheduleMonthlyFreeMinutesReset(agenda),
    async scheduleWebhookDelivery(deliveryId) {
      if (!handlers.deliverWebhook) throw new Error('scheduleWebhookDelivery needs handlers.deliverWebhook');
      await scheduleWebhookDelivery(agenda, deliveryId);
    },
    async scheduleEmail(emailId) {
      if (!handlers.sendEmail) throw new Error('scheduleEmail needs handlers.sendEmail');
      await scheduleEmail(agenda, emailId);
    },
    async scheduleRecordingProcess(recordingId) {
      if (!handlers.processRecording) throw new Error('scheduleRecordingProcess needs handlers.processRecording');
      await scheduleRecordingProcess(agenda, recordingId);
    },
    async scheduleStripeEvent(eventRowId) {
      if (!handlers.applyStripeEvent) throw new Error('scheduleStripeEvent needs handlers.applyStripeEvent');
      await scheduleStripeEvent(agenda, eventRowId);
    },
    async scheduleAutoTopUp(userId, crossing) {
      if (!handlers.autoTopUp) throw new Error('scheduleAutoTopUp needs handlers.autoTopUp');
      await scheduleAutoTopUp(agenda, userId, crossing);
    },
  };
}

function defineJobs(context: JobContext, handlers: JobHandlers, backoff?: typeof webhookBackoff, mailBackoff?: typeof emailBackoff): void {
  defineHangupCall(context, (callId) => handlers.hangupCall(callId));
  defineReconcileCalls(context, () => handlers.reconcileCalls());
  defineResetFreeMinutes(context, () => handlers.resetFreeMinutes());
  const { deliverWebhook } = handlers;
  if (deliverWebhook) defineDeliverWebhook(context, (deliveryId) => deliverWebhook(deliveryId), backoff);
  const { sendEmail } = handlers;
  if (sendEmail) defineSendEmail(context, (emailId) => sendEmail(emailId), mailBackoff);
}

function assertSchedulable(label: string, id: string, at: Date): void {
  if (!id) throw new Error(`${label} is required`);
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error(`invalid date for ${label} ${id}`);
}

/** Agenda emits 'error' for storage failures; an EventEmitter without a listener would crash the process. */
function logAgendaEvents(agenda: Agenda, logger: Logger): void {
  agenda.on('error', (error: Error) => logger.error({ err: error }, 'job scheduler error'));
  // With several instances on PostgreSQL, Agenda re-emits other instances' failures here too, as (message, notification,
  // true) rather than (Error, Job): reading job.attrs of one crashed two of three storm instances. The instance that
  // ran the job logs its failure; the others only note it.
  agenda.on('fail', (error: unknown, job: Job | { jobName?: string; jobId?: unknown } | undefined, remote?: boolean) => {
    if (remote || !job || !('attrs' in job)) {
      const notification = job as { jobName?: string; jobId?: unknown } | undefined;
      logger.debug({ job: notification?.jobName, jobId: String(notification?.jobId ?? ''), error: String(error) }, 'a job failed on another instance');
      return;
    }
    logger.error({ err: error, job: job.attrs.name, jobId: String(job.attrs._id), failCount: job.attrs.failCount }, 'job failed');
  });
}

/**
 * Agenda starts connecting in its constructor and never reports a failure: the rejection would be unhandled and
 * start() would wait forever. This wrapper keeps the failure and lets start() throw it instead.
 */
function reportConnectFailure(inner: AgendaBackend, logger: Logger): { backend: AgendaBackend; connected: Promise<void> } {
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  connected.catch(() => undefined); // reported by start(); no unhandled rejection if start() is never called
  const backend: AgendaBackend = {
    name: inner.name,
    repository: handleFloatingUnlocks(inner.repository, logger),
    notificationChannel: inner.notificationChannel,
    logger: inner.logger,
    ownsConnection: inner.ownsConnection,
    connect: () =>
      inner.connect().then(settle!.resolve, (error: unknown) => {
        settle!.reject(error);
        return new Promise<void>(() => undefined); // Agenda's 'ready' never fires; start() throws instead
      }),
    disconnect: () => inner.disconnect(),
  };
  return { backend, connected };
}

/**
 * Agenda's job processor calls unlockJob without awaiting it (a job too far ahead, or over its lock limit), so a
 * failure, such as the PostgreSQL pool already closed by stop(), was an unhandled rejection that could end the
 * process. A lock left behind only waits out its lifetime, so the failure is logged instead.
 */
export function handleFloatingUnlocks(repository: AgendaBackend['repository'], logger: Logger): AgendaBackend['repository'] {
  const unlockJob: typeof repository.unlockJob = (job) =>
    repository.unlockJob(job).catch((error: unknown) => logger.warn({ err: error, job: job.name, jobId: String(job._id ?? '') }, 'could not release a job lock; it expires with its lifetime'));
  return new Proxy(repository, {
    get(target, key) {
      if (key === 'unlockJob') return unlockJob;
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the repository itself: a method reached through the proxy must still see its own private state.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
