import { exponential, type Agenda, type Job } from 'agenda';
import type { JobContext } from './job-context.js';

/** Sends one outgoing webhook (call.completed) to an integration's URL. */
export const deliverWebhookJob = 'api.deliver-webhook';

export interface DeliverWebhookData {
  deliveryId: number;
}

const lockLifetimeMs = 60_000;

/**
 * Receivers go down for minutes or hours: back off from 10 s doubling to at most 1 h. The delivery row counts real
 * attempts and decides when to give up; Agenda also counts the runs deferred because the same user already had
 * deliveries in flight (see DELIVERIES_IN_FLIGHT_PER_USER), so its retry count is well above the row's attempts.
 */
export const webhookBackoff = exponential({ delay: 10_000, factor: 2, maxDelay: 3_600_000, maxRetries: 20, jitter: 0.1 });

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
