import { join } from 'node:path';
import { Router, urlencoded, type Request, type Response } from 'express';
import { Eta } from 'eta';
import { publicDir, viewsDir } from '../../paths.js';
import { TEST_CARDS } from './cards.js';
import type { StripeState } from './state.js';
import type { Obj } from './objects.js';

const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

function formatMinor(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase(), minimumFractionDigits: digits }).format(amount / 10 ** digits);
}

const groupDigits = (n: string) => n.replace(/(\d{4})(?=\d)/g, '$1 ');

/**
 * Stripe's hosted checkout page as the simulator plays it: the buyer types a test card (stripe-behavior.md §6);
 * authentication cards get an Approve / Fail step. Plain forms, no scripts. `base` is where the router is mounted.
 */
export function checkoutPageRouter(state: StripeState, base: string): Router {
  const router = Router();
  const eta = new Eta({ views: join(viewsDir, 'sim'), cache: true });
  const cards = Object.entries(TEST_CARDS).map(([number, card]) => ({ number: groupDigits(number), label: card.label }));
  router.use(urlencoded({ extended: false, limit: '10kb' }));
  router.get('/assets/sim.css', (_req, res) => res.sendFile(join(publicDir, 'sim.css')));

  const find = (req: Request, res: Response): Obj | undefined => {
    try {
      return state.session(String(req.params.id));
    } catch {
      res.status(404).type('text').send('No such checkout session.');
      return undefined;
    }
  };
  const render = (res: Response, status: number, session: Obj, extra: { state?: string; error?: string; values?: Record<string, string> }) => {
    const items = session._lineItems as Array<{ description: string }>;
    res.status(status).type('html').send(
      eta.render('stripe-checkout', {
        base,
        id: session.id,
        state: extra.state ?? session.status,
        error: extra.error,
        values: extra.values ?? {},
        amount: formatMinor(session.amount_total as number, session.currency as string),
        description: items[0]?.description ?? 'Payment',
        cancelUrl: session.cancel_url,
        successUrl: session.status === 'complete' ? String(session.success_url).replaceAll('{CHECKOUT_SESSION_ID}', session.id) : undefined,
        nextYear: String(new Date().getUTCFullYear() + 2),
        cards,
      }),
    );
  };
  const cardOf = (body: Record<string, unknown>) => ({ number: String(body.number ?? ''), expMonth: String(body.exp_month ?? ''), expYear: String(body.exp_year ?? ''), cvc: String(body.cvc ?? '') });
  const valuesOf = (body: Record<string, unknown>) => ({ number: String(body.number ?? ''), exp_month: String(body.exp_month ?? ''), exp_year: String(body.exp_year ?? ''), cvc: String(body.cvc ?? '') });

  const submit = (req: Request, res: Response, authenticated?: boolean) => {
    const session = find(req, res);
    if (!session) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const outcome = state.payOnPage(session.id, cardOf(body), authenticated);
    if (outcome.result === 'paid') return void res.redirect(303, outcome.redirect);
    if (outcome.result === 'authenticate') return render(res, 200, session, { state: 'authenticate', values: valuesOf(body) });
    render(res, session.status === 'open' ? 402 : 409, session, { error: outcome.message, values: { ...valuesOf(body), number: '' } });
  };

  router.get('/:id', (req, res) => {
    const session = find(req, res);
    if (session) render(res, 200, session, {});
  });
  router.post('/:id/pay', (req, res) => submit(req, res));
  router.post('/:id/authenticate', (req, res) => submit(req, res, (req.body as Record<string, unknown>)?.decision === 'approve'));
  return router;
}
