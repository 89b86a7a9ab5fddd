import type { Logger } from 'pino';
import type { CallRecord } from '../../calls/calls-repository.js';
import type { WebhookDeliveries } from './webhook-deliveries.js';

/**
 * The calls feature's onSettled hook: queues call.completed for the owner's tokens that have a webhook URL. A failure
 * here is logged and swallowed: the settlement is committed already and must not be undone or retried for a webhook.
 */
export function notifyCallCompleted(webhooks: WebhookDeliveries, currency: string, logger: Logger) {
  return async (call: CallRecord): Promise<void> => {
    try {
      await webhooks.callCompleted({
        id: call.id,
        userId: call.userId,
        accountId: call.accountId ?? null,
        to: call.toE164,
        status: call.status,
        createdAt: call.createdAt,
        endedAt: call.endedAt,
        durationSeconds: call.bridgedSeconds ?? 0,
        chargedMicros: call.costMicros ?? 0,
        currency,
      });
    } catch (err) {
      logger.error({ err, callId: call.id }, 'could not queue the call.completed webhook');
    }
  };
}
