import { raw, Router } from 'express';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { StripeEventInbox } from './stripe-event-inbox.js';

/**
 * POST /webhooks/stripe: the signature is checked on the raw bytes (so no body parser runs before this router, and no
 * CSRF token is asked: the signature is the authentication). A bad or stale signature is refused with 400 and
 * changes nothing; a verified event is stored once (keyed by its id) and answered 200 at once: the stripe.event job
 * applies it, retrying with backoff when what it confirms is not recorded yet.
 */
/** `stripe` is asked for the SDK at the first webhook: loading it is left until then. */
export function stripeWebhookRouter(deps: { stripe: () => Stripe; webhookSecret: string; inbox: StripeEventInbox; logger: Logger }): Router {
  const router = Router();
  router.post('/', raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) return void res.status(400).json({ error: 'Expected a Stripe event as the request body.' });
    let event: Stripe.Event;
    try {
      event = deps.stripe().webhooks.constructEvent(body, req.get('stripe-signature') ?? '', deps.webhookSecret);
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'refused a Stripe webhook with a bad signature');
      return void res.status(400).json({ error: `Webhook signature refused: ${(err as Error).message}` });
    }
    try {
      const outcome = await deps.inbox.receive(event, body.toString('utf8'));
      res.json({ received: true, ...(outcome === 'duplicate' ? { duplicate: true } : {}) });
    } catch (err) {
      // Not stored: Stripe retries a non-2xx, so a database hiccup now is stored on a later attempt.
      deps.logger.error({ err, event: event.id, type: event.type }, 'could not store a Stripe event');
      res.status(500).json({ error: 'Could not store the event; Stripe will retry.' });
    }
  });
  return router;
}
