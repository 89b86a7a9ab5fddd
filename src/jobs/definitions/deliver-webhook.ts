import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Sends one outgoing webhook (call.completed) to an integration's URL. */
export const deliverWebhookJob = 'api.deliver-webhook';

export interface DeliverWebhookData {
  deliveryId: number;
}

const lockLifetimeMs = 60_000;

/**
 * Receivers go down for minutes or hours: back off from 10 s doubling to at most 1 h (five retries after the first
 * try, about 5 min in all before the cap matters). The delivery row counts attempts and decides when to give up,
 * so the retry count here only has to be at least as large.
 */
export const webhookBackoff = exponential({ delay: 10_000, factor: 2, maxDelay: 3_600_000, maxRetries: 5, jitter: 0.1 });

export function defineDeliverWebhook(context: JobContext, deliver: (deliveryId: number) => Promise<void>, backoff = webhookBackoff): void {
  context.agenda.define<DeliverWebhookData>(
    deliverWebhookJob,
    async (job: Job<DeliverWebhookData>) => {
      await deliver(job.attrs.data.deliveryId);
    },
    { concurrency: 10, lockLifetime: context.lockLifetimeMs ?? lockLifetimeMs, backoff, removeOnComplete: true },
  );
}

export async function scheduleWebhookDelivery(agenda: Agenda, deliveryId: number): Promise<void> {
  await agenda.create<DeliverWebhookData>(deliverWebhookJob, { deliveryId }).unique({ 'data.deliveryId': deliveryId }).schedule(new Date()).save();
}
