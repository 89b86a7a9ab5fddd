import { json, Router } from 'express';
import { z } from 'zod';
import type { EventBus } from './events.js';
import type { RestFaults, RestLogEntry } from './rest.js';
import type { StripeState } from './state.js';
import { StripeSimError } from './errors.js';

const faultsSchema = z
  .object({
    duplicate: z.boolean().optional(),
    reorder: z.boolean().optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    drop: z.number().int().min(0).optional(),
    restFailure: z.object({ status: z.union([z.literal(500), z.literal(503), z.literal(429)]), count: z.number().int().positive() }).optional(),
  })
  .strict();

export type StripeFaultSettings = z.infer<typeof faultsSchema>;

/** JSON control API under /control/stripe (no auth: a local development and test tool, like the Twilio simulator's). */
export function stripeControlRouter(deps: { bus: EventBus; state: StripeState; restFaults: RestFaults; restLog: RestLogEntry[] }): Router {
  const { bus, state, restFaults } = deps;
  const router = Router();
  router.use(json());
  const bad = (message: string) => new StripeSimError(400, { type: 'invalid_request_error', message });
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw bad(`Invalid control request: ${result.error.issues[0]?.path.join('.') ?? ''} ${result.error.issues[0]?.message ?? ''}`.trim());
    return result.data;
  };

  router.get('/control/stripe/events', (req, res) => {
    const type = typeof req.query.type === 'string' ? req.query.type : undefined;
    res.json(bus.events.filter((e) => !type || e.type === type).map((e) => ({ id: e.id, type: e.type, created: e.created, object_id: (e.data.object as { id?: string }).id ?? null, attempts: bus.attemptsOf(e.id) })));
  });
  router.get('/control/stripe/events/:id', (req, res) => {
    const event = bus.get(req.params.id);
    if (!event) return void res.status(404).json({ error: { message: `No such event: '${req.params.id}'` } });
    res.json({ event, attempts: bus.attemptsOf(event.id) });
  });
  router.post('/control/stripe/events/:id/resend', (req, res) => {
    if (!bus.resend(req.params.id)) return void res.status(404).json({ error: { message: `No such event: '${req.params.id}'` } });
    res.status(202).json({ id: req.params.id, resent: true });
  });
  router.get('/control/stripe/requests', (_req, res) => void res.json(deps.restLog));
  router.get('/control/stripe/faults', (_req, res) => void res.json({ ...bus.faults, ...(restFaults.failure ? { restFailure: restFaults.failure } : {}) }));
  router.put('/control/stripe/faults', (req, res) => {
    const { restFailure, ...events } = parse(faultsSchema, req.body);
    bus.faults = events;
    if (restFailure) restFaults.failure = { ...restFailure };
    else delete restFaults.failure;
    res.json({ ...bus.faults, ...(restFaults.failure ? { restFailure: restFaults.failure } : {}) });
  });
  router.delete('/control/stripe/faults', (_req, res) => {
    bus.faults = {};
    delete restFaults.failure;
    res.status(204).end();
  });
  router.put('/control/stripe/webhook-endpoint', (req, res) => {
    const { url } = parse(z.object({ url: z.url() }).strict(), req.body);
    bus.endpointUrl = url;
    res.json({ url });
  });
  router.post('/control/stripe/charges/:id/dispute', (req, res) => {
    const { amount, reason } = parse(z.object({ amount: z.number().int().positive().optional(), reason: z.string().optional() }).strict(), req.body ?? {});
    res.status(201).json(state.openDispute(req.params.id, amount, reason));
  });
  router.post('/control/stripe/disputes/:id/close', (req, res) => {
    const { outcome } = parse(z.object({ outcome: z.enum(['won', 'lost']) }).strict(), req.body);
    res.json(state.closeDispute(req.params.id, outcome));
  });
  router.post('/control/stripe/checkout/sessions/:id/pay', (req, res) => {
    const card = parse(z.object({ number: z.string(), authenticate: z.boolean().optional() }).strict(), req.body);
    res.json(state.payOnPage(req.params.id, { number: card.number, expMonth: '12', expYear: String(new Date().getUTCFullYear() + 2), cvc: '123' }, card.authenticate));
  });
  router.use((err: unknown, _req: unknown, res: import('express').Response, _next: unknown) => {
    if (err instanceof StripeSimError) return void res.status(err.status).json({ error: err.body });
    res.status(500).json({ error: { message: (err as Error).message } });
  });
  return router;
}
