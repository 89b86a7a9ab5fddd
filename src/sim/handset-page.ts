import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Router, urlencoded } from 'express';
import { Eta } from 'eta';
import { publicDir, viewsDir } from '../paths.js';
import { DTMF_DIGITS } from './gather.js';
import { type Handsets, MAGIC_NUMBERS } from './handsets.js';

const require = createRequire(import.meta.url);

/** Where the page lives and what it loads: on the simulator's own port, or mounted in another app. */
export interface HandsetPageOptions {
  /** Path prefix of every URL the page uses: '' on the simulator, '/phones' inside the app. */
  base: string;
  /** htmx for the page; when it is not the page's own copy, the host app serves it. */
  htmxUrl: string;
  /** Standalone: the page serves htmx and sets its own strict CSP; mounted, the host app's CSP applies. */
  standalone: boolean;
}

const STANDALONE: HandsetPageOptions = { base: '', htmxUrl: '/assets/htmx.min.js', standalone: true };
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const BUTTONS = new Set(['answer', 'decline', 'hangup']);

/**
 * The browser page: every simulated phone, ringing with Answer / Decline, in a call with a keypad and Hang up, and
 * Verify codes. htmx refreshes the list every second; every form also works as a plain POST.
 */
export function handsetPageRouter(handsets: Handsets, info: { readonly url: string; readonly speed: number }, options: HandsetPageOptions = STANDALONE): Router {
  const router = Router();
  const eta = new Eta({ views: join(viewsDir, 'sim'), cache: true });
  const { base } = options;
  const listView = () => ({ handsets: handsets.views(), base, keys: KEYS, domId: (number: string) => number.replace(/\D/g, '') });
  const strictCsp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  if (options.standalone) {
    const htmxFile = require.resolve('htmx.org/dist/htmx.min.js');
    router.use(['/', '/handsets'], (_req, res, next) => {
      res.setHeader('Content-Security-Policy', strictCsp);
      next();
    });
    router.get('/favicon.ico', (_req, res) => void res.status(204).end());
    router.get('/assets/htmx.min.js', (_req, res) => res.sendFile(htmxFile));
  }
  router.get('/assets/sim.css', (_req, res) => res.sendFile(join(publicDir, 'sim.css')));

  router.get('/', (_req, res) => {
    res.type('html').send(eta.render('handsets', { ...listView(), magic: MAGIC_NUMBERS, url: info.url, speed: info.speed, htmxUrl: options.htmxUrl, standalone: options.standalone }));
  });
  router.get('/handsets', (_req, res) => {
    res.type('html').send(eta.render('handset-list', listView()));
  });
  router.post('/handsets/:number/:button', urlencoded({ extended: false }), async (req, res) => {
    const number = String(req.params.number);
    const button = String(req.params.button);
    const digits = (req.body as Record<string, unknown> | undefined)?.digits;
    if (BUTTONS.has(button)) handsets.press(number, button as 'answer' | 'decline' | 'hangup');
    else if (button === 'keys' && typeof digits === 'string' && DTMF_DIGITS.test(digits)) handsets.pressKeys(number, digits);
    // The call reacts in promise continuations; let them run so the page shows the new state.
    await new Promise((resolve) => setImmediate(resolve));
    // htmx swaps the list in place; a plain form post (no JavaScript) goes back to the page.
    if (req.get('HX-Request')) res.type('html').send(eta.render('handset-list', listView()));
    else res.redirect(303, `${base}/`);
  });
  return router;
}
