import { createHash } from 'node:crypto';
import { Router, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { StripeSimError } from './errors.js';
import { SIM_API_VERSION } from './events.js';
import { stripeId } from './ids.js';
import { publicView, type Obj } from './objects.js';
import type { StripeState } from './state.js';

export interface RestFaults {
  /** The next `count` REST requests answer this status (500/503 as api_error, 429 as rate_limit). */
  failure?: { status: 500 | 503 | 429; count: number };
}

export interface RestLogEntry {
  method: string;
  path: string;
  body: Record<string, unknown>;
  status: number;
  response: unknown;
}

const KEY = /^sk_(test|live)_\w+$/;

/** Stripe's v1 REST subset the app uses, as stripe-behavior.md describes it (auth, form bodies, errors, idempotency). */
export function restRouter(state: StripeState, faults: RestFaults, log: RestLogEntry[]): Router {
  const router = Router();
  // Stored responses per Idempotency-Key (24 h in Stripe; the simulator keeps them for its lifetime).
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  router.use(urlencoded({ extended: true, limit: '1mb', parameterLimit: 2000 }));

  router.use((req, res, next) => {
    res.set('Request-Id', stripeId('req', 14));
    res.set('Stripe-Version', String(req.get('stripe-version') ?? SIM_API_VERSION));
    const auth = req.get('authorization') ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]! : '';
    if (!KEY.test(key)) {
      return void res.status(401).json({ error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-3)}` } });
    }
    if (faults.failure && faults.failure.count > 0) {
      faults.failure.count -= 1;
      const { status } = faults.failure;
      if (status === 429) return void res.status(429).json({ error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } });
      return void res.status(status).json({ error: { type: 'api_error', message: 'An unknown error occurred (simulated fault).' } });
    }
    const idemKey = req.method === 'POST' ? req.get('idempotency-key') : undefined;
    if (idemKey) {
      const fingerprint = createHash('sha256').update(`${req.path}\n${JSON.stringify(req.body ?? {})}`).digest('hex');
      const stored = idempotent.get(idemKey);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return void res.status(400).json({ error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.` } });
        }
        res.set('Idempotent-Replayed', 'true');
        return void res.status(stored.status).json(stored.body);
      }
      res.locals.remember = (status: number, body: unknown) => idempotent.set(idemKey, { fingerprint, status, body });
    }
    res.locals.request = { id: res.get('Request-Id') ?? null, idempotency_key: idemKey ?? null };
    next();
  });

  const reply = (handler: (req: Request, res: Response) => unknown) => (req: Request, res: Response) => {
    const body = handler(req, res);
    send(req, res, 200, body);
  };
  const send = (req: Request, res: Response, status: number, body: unknown) => {
    (res.locals.remember as ((s: number, b: unknown) => void) | undefined)?.(status, body);
    log.push({ method: req.method, path: req.path, body: (req.method === 'GET' ? req.query : req.body) as Record<string, unknown>, status, response: body });
    res.status(status).json(body);
  };
  const expandOf = (req: Request): string[] => {
    const raw = (req.method === 'GET' ? req.query.expand : (req.body as Record<string, unknown>)?.expand) as unknown;
    if (Array.isArray(raw)) return raw.map(String);
    if (raw && typeof raw === 'object') return Object.values(raw).map(String);
    return typeof raw === 'string' ? [raw] : [];
  };
  const id = (req: Request) => String(req.params.id);
  const list = (req: Request, data: unknown[]) => ({ object: 'list', data, has_more: false, url: req.baseUrl + req.path });
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const rq = (res: Response) => res.locals.request as { id: string | null; idempotency_key: string | null };

  router.post('/v1/checkout/sessions', reply((req, res) => state.sessionView(state.createSession(body(req), rq(res)), expandOf(req))));
  router.get('/v1/checkout/sessions/:id', reply((req) => state.sessionView(state.session(id(req)), expandOf(req))));
  router.get('/v1/checkout/sessions/:id/line_items', reply((req) => list(req, (state.session(id(req))._lineItems as Obj[]).map(publicView))));
  router.post('/v1/checkout/sessions/:id/expire', reply((req, res) => state.sessionView(state.expireSession(id(req), rq(res)), expandOf(req))));
  router.post('/v1/customers', reply((req, res) => publicView(state.createCustomer(body(req), rq(res)))));
  router.get('/v1/customers/:id', reply((req) => publicView(state.customer(id(req)))));
  router.get('/v1/customers/:id/payment_methods', reply((req) => list(req, state.customerMethods(id(req)).map(publicView))));
  router.get('/v1/payment_methods/:id', reply((req) => publicView(state.paymentMethod(id(req)))));
  router.post('/v1/payment_methods/:id/attach', reply((req, res) => publicView(state.attach(id(req), body(req), rq(res)))));
  router.post('/v1/payment_methods/:id/detach', reply((req, res) => publicView(state.detach(id(req), rq(res)))));
  router.post('/v1/payment_intents', reply((req, res) => publicView(state.createPaymentIntent(body(req), rq(res)))));
  router.get('/v1/payment_intents/:id', reply((req) => publicView(state.intent(id(req)))));
  router.get('/v1/charges/:id', reply((req) => {
    const charge = state.charges.get(id(req));
    if (!charge) throw new StripeSimError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such charge: '${id(req)}'` });
    return publicView(charge);
  }));
  router.post('/v1/refunds', reply((req, res) => publicView(state.createRefund(body(req), rq(res)))));
  router.get('/v1/refunds/:id', reply((req) => {
    const refund = state.refunds.get(id(req));
    if (!refund) throw new StripeSimError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such refund: '${id(req)}'` });
    return publicView(refund);
  }));
  router.get('/v1/events/:id', reply((req) => {
    const event = state.event(id(req));
    if (!event) throw new StripeSimError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such event: '${id(req)}'` });
    return event;
  }));
  router.use((req: Request, res: Response) => {
    send(req, res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.path}). The Stripe simulator implements only the endpoints callbridge uses.` } });
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof StripeSimError) return void send(req, res, err.status, { error: { ...err.body, ...(err.body.code ? { doc_url: `https://docs.stripe.com/error-codes/${err.body.code.replaceAll('_', '-')}` } : {}) } });
    send(req, res, 500, { error: { type: 'api_error', message: `Simulator error: ${(err as Error).message}` } });
  });
  return router;
}

export type { Obj };
