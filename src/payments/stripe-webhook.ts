import { raw, Router } from 'express';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { RetryLaterError, type PaymentsService } from './payments-service.js';

/**
 * POST /webhooks/stripe: the signature is checked on the raw bytes (so no body parser runs before this router, and no
 * CSRF token is asked: the signature is the authentication). A bad or stale signature is refused with 400 and
 * changes nothing; a verified event is applied (one short transaction) and answered 200.
 */
export function stripeWebhookRouter(deps: { stripe: Stripe; webhookSecret: string; payments: PaymentsService; logger: Logger }): Router {
  const router = Router();
  router.post('/', raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return void res.status(400).json({ error: 'Expected a Stripe event as the request body.' });
    let event: Stripe.Event;
    try {
      event = deps.stripe.webhooks.constructEvent(body, req.get('stripe-signature') ?? '', deps.webhookSecret);
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'refused a Stripe webhook with a bad signature');
      return void res.status(400).json({ error: `Webhook signature refused: ${(err as Error).message}` });
    }
    try {
      await deps.payments.handleEvent(event);
      res.json({ received: true });
    } catch (err) {
      if (err instanceof RetryLaterError) return void res.status(503).json({ error: `Not yet: ${err.message}; Stripe will retry.` });
      // Stripe retries a non-2xx: a database hiccup now is applied on a later attempt.
      deps.logger.error({ err, event: event.id, type: event.type }, 'could not apply a Stripe event');
      res.status(500).json({ error: 'Could not apply the event; Stripe will retry.' });
    }
  });
  return router;
}
