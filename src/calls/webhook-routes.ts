import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { validateTwilioSignature } from '../telephony/signature.js';
import type { CallsService } from './calls-service.js';
import { WebhookParamError, type Params } from './webhook-params.js';
import { callIdInUrl } from '../http/call-log-context.js';

export interface WebhookDeps {
  calls: Pick<CallsService, 'webhooks'>;
  /** Twilio's auth token; without one every webhook is refused. */
  authToken: string | undefined;
  /** PUBLIC_URL: the signed URL is this plus the path and query exactly as received (right behind a proxy too). */
  publicUrl: string;
  logger: Logger;
}

/**
 * Twilio's webhooks, mounted before sessions and CSRF: no cookie, no session row. Every request must carry a
 * valid X-Twilio-Signature; TwiML answers come from our database, status callbacks get 204. Unknown call ids are
 * logged and answered 2xx (Twilio would only retry or warn).
 */
export function twilioWebhooks(deps: WebhookDeps): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 100 }));
  router.use(requireTwilioSignature(deps));
  const events = deps.calls.webhooks;
  router.post('/calls/:id/answer', twiml(deps, (id, params) => events.answer(id, params)));
  router.post('/calls/:id/confirm', twiml(deps, (id, params) => events.confirm(id, params)));
  router.post('/calls/:id/dial-action', twiml(deps, (id, params) => events.dialAction(id, params)));
  router.post('/calls/:id/status', statusCallback(deps, (id, params) => events.parentStatus(id, params)));
  router.post('/calls/:id/child-status', statusCallback(deps, (id, params) => events.childStatus(id, params)));
  return router;
}

/** Refuses (403) any request without a valid X-Twilio-Signature for PUBLIC_URL plus the path as received. */
export function requireTwilioSignature(deps: Pick<WebhookDeps, 'authToken' | 'publicUrl' | 'logger'>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const url = `${deps.publicUrl}${req.originalUrl}`;
    const params = (req.body ?? {}) as Record<string, string | string[]>;
    if (deps.authToken && validateTwilioSignature(deps.authToken, url, params, req.get('x-twilio-signature'))) return next();
    deps.logger.warn({ callId: callIdInUrl(req.originalUrl), url: req.originalUrl }, 'webhook refused: missing or invalid X-Twilio-Signature');
    res.status(403).type('text/plain').send('Twilio request validation failed.');
  };
}

type Handler<T> = (callId: string, params: Params) => Promise<T>;

function twiml(deps: WebhookDeps, handle: Handler<string>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const xml = await handle(String(req.params.id), (req.body ?? {}) as Params);
      res.type('text/xml').send(xml);
    } catch (err) {
      failed(deps, req, res, err);
    }
  };
}

function statusCallback(deps: WebhookDeps, handle: Handler<void>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await handle(String(req.params.id), (req.body ?? {}) as Params);
      res.status(204).end();
    } catch (err) {
      failed(deps, req, res, err);
    }
  };
}

function failed(deps: WebhookDeps, req: Request, res: Response, err: unknown): void {
  if (err instanceof WebhookParamError) {
    deps.logger.warn({ callId: callIdInUrl(req.originalUrl), url: req.originalUrl, problem: err.message }, 'webhook with a malformed parameter');
    res.status(400).type('text/plain').send(`Bad webhook: ${err.message}.`);
    return;
  }
  deps.logger.error({ err, callId: callIdInUrl(req.originalUrl), url: req.originalUrl }, 'webhook failed');
  res.status(500).type('text/plain').send('Webhook failed.');
}

