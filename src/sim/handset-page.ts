import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Router, urlencoded } from 'express';
import { Eta } from 'eta';
import { publicDir, viewsDir } from '../paths.js';
import { type Handsets, MAGIC_NUMBERS } from './handsets.js';

const require = createRequire(import.meta.url);

/** The browser page: every simulated phone, ringing with Answer / Decline, Hang up in a call, and Verify codes. */
export function handsetPageRouter(handsets: Handsets, info: { readonly url: string; readonly speed: number }): Router {
  const router = Router();
  const eta = new Eta({ views: join(viewsDir, 'sim'), cache: true });
  const htmxFile = require.resolve('htmx.org/dist/htmx.min.js');
  const strictCsp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  router.use(['/', '/handsets'], (_req, res, next) => {
    res.setHeader('Content-Security-Policy', strictCsp);
    next();
  });
  router.get('/favicon.ico', (_req, res) => void res.status(204).end());
  router.get('/assets/htmx.min.js', (_req, res) => res.sendFile(htmxFile));
  router.get('/assets/sim.css', (_req, res) => res.sendFile(join(publicDir, 'sim.css')));

  router.get('/', (_req, res) => {
    res.type('html').send(eta.render('handsets', { handsets: handsets.views(), magic: MAGIC_NUMBERS, url: info.url, speed: info.speed }));
  });
  router.get('/handsets', (_req, res) => {
    res.type('html').send(eta.render('handset-list', { handsets: handsets.views() }));
  });
  router.post('/handsets/:number/:button', urlencoded({ extended: false }), async (req, res) => {
    const button = String(req.params.button);
    if (button === 'answer' || button === 'decline' || button === 'hangup') handsets.press(String(req.params.number), button);
    // The call reacts in promise continuations; let them run so the page shows the new state.
    await new Promise((resolve) => setImmediate(resolve));
    // htmx swaps the list in place; a plain form post (no JavaScript) goes back to the page.
    if (req.get('HX-Request')) res.type('html').send(eta.render('handset-list', { handsets: handsets.views() }));
    else res.redirect(303, '/');
  });
  return router;
}
