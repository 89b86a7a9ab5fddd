import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, Router } from 'express';
import session from 'express-session';
import { loadUser } from './accounts/auth-middleware.js';
import { confirmEmailBanner } from './accounts/confirm-email-banner.js';
import { apiRouter } from './api/api-router.js';
import { statusPoll, statusPollFrontDoor } from './calls/status-poll.js';
import { twilioWebhooks } from './calls/webhook-routes.js';
import { recordingWebhooks } from './recordings/recording-webhook-routes.js';
import { bareRedirects } from './http/bare-redirect.js';
import { compressResponses } from './http/compress-responses.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler, notFound } from './http/errors.js';
import { exposeFlash } from './http/flash.js';
import { navFor } from './http/navigation.js';
import { requestLogger } from './http/request-log.js';
import { sameOriginOnly } from './http/same-origin.js';
import { securityHeaders } from './http/security.js';
import { SESSION_COOKIE } from './http/session-cookie.js';
import { saveSessionBeforeRedirect } from './http/session-before-redirect.js';
import { readSessionEarly, type DatabaseSessionStore } from './http/session-store.js';
import { isClick } from './calls/click.js';
import './http/session-types.js';
import { staticAssets } from './http/static-assets.js';
import { installViews } from './http/views.js';
import { refuseBadText } from './http/input-edges.js';
import { webhookTiming } from './metrics/metrics-routes.js';
import { verifyPhoneBanner } from './phone/verify-phone-banner.js';
import { pageBanners } from './http/page-banners.js';
import { registerRoutes } from './routes.js';
import { payingAccountOfRequest } from './accounts/request-paying-account.js';
import type { Services } from './services.js';
import type { PhonesPage } from './sim/simulator.js';
import { lowBalanceBannerSource } from './wallet/low-balance-middleware.js';
import { stripeWebhookRouter } from './payments/stripe-webhook.js';
import { STRIPE_WEBHOOK_PATH } from './sim/stripe/embedded.js';
import { STRIPE_CHECKOUT_PATH } from './sim/stripe/simulator.js';

export interface BuiltApp {
  app: Express;
  services: Services;
  sessionStore: DatabaseSessionStore;
}

/**
 * Webhooks from Twilio authenticate by signature, not by session; Agendash's own JSON API (admins only) is guarded
 * by a same-origin check instead, as its UI cannot send our token.
 */
const csrfExempt = (req: express.Request) =>
  // One-click unsubscribe (RFC 8058) comes from a mail client: the signed link is its authority.
  req.path === '/notices/unsubscribe' ||
  req.path.startsWith('/twilio/') || req.path.startsWith('/admin/jobs/') || isMultipartUpload(req);

/** Streamed uploads are not parsed before routing, so their route checks the token itself (validCsrfToken). */
const MULTIPART_ROUTES = new Set(['/admin/rates/import', '/contacts/import']);
const isMultipartUpload = (req: express.Request) => MULTIPART_ROUTES.has(req.path) && req.is('multipart/form-data') === 'multipart/form-data';

/** The HTTP layer over composed services (see src/services.ts): middleware, routes, error pages; it builds no service. */
export function buildApp(services: Services): BuiltApp {
  const { config, clock, logger, sessionStore, sessionSecret, phonesPage, payments } = services;
  const app = express();
  app.disable('x-powered-by');
  bareRedirects(app);
  if (config.trustProxy) app.set('trust proxy', 1);
  const assets = staticAssets();
  const viewHelpers = { assets: assets.urls, currency: config.money.currency };
  const eta = installViews(app, { cache: config.env === 'production', helpers: viewHelpers });

  // The order below is the point: the click-to-create clock starts as the request arrives, and webhooks are timed whole.
  app.use(services.metrics.callStart.middleware());
  // The edge: a NUL or invalid UTF-8 in a path or query is refused here, on every route (issue 26 #8).
  app.use(refuseBadText());
  // PostgreSQL: a click's session read starts as it arrives, overlapping the middleware before express-session.
  if (sessionStore.readsEarly) app.use(readSessionEarly(sessionStore, { secret: sessionSecret, when: isClick }));
  app.use('/twilio', webhookTiming(services.metrics));
  // Ahead of the web stack: API clients authenticate with a bearer token (no session row, no cookie, no CSRF), and
  // the router has its own lean request log and headers instead of the web stack's (see src/api/api-http.ts).
  app.use('/api/v1', apiRouter({ api: services.api, money: services.money, calls: services.calls, history: services.history, contacts: services.contacts, logger, publicUrl: config.publicUrl, freeMinutesPerMonth: config.money.freeMinutesPerMonth, recordings: services.recordings }));
  // Also ahead of it (hot paths): Twilio's webhooks and the call status poll need no session, cookie parsing, CSRF or helmet.
  app.use('/twilio', recordingWebhooks({ recordings: services.recordings, authToken: services.telephony?.authToken, publicUrl: config.publicUrl, logger }));
  app.use('/twilio', twilioWebhooks({ calls: services.calls, authToken: services.telephony?.authToken, publicUrl: config.publicUrl, logger }));
  const render = (view: string, data: object) => eta.render(view, { ...viewHelpers, ...data });
  const pollDeps = { calls: services.calls, changes: services.calls.changes, waitMs: config.statusWaitMs, sessionSecret, currency: config.money.currency, clock, render };
  answerStatusPollsFirst(app, statusPollFrontDoor(pollDeps, (err, _req, res) => failedPoll(err, res, logger)));
  // Still routed here too, for any request the front door passes on (a HEAD, an odd query): the same answer.
  app.get('/calls/:id/status', statusPoll(pollDeps));
  app.use(requestLogger(logger));
  app.use(compressResponses());
  app.use(securityHeaders({ https: config.secureCookies }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (await services.health.databaseReachable()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'database unreachable' });
  });
  app.use(assets.router);
  // Before sessions: the phones page and its polls create no session rows.
  if (phonesPage) app.use(PHONES_PATH, phonesMount(phonesPage, assets.urls.app));
  // Before any body parser and CSRF: Stripe's signature covers the raw bytes and is the authentication.
  if (payments) app.use(STRIPE_WEBHOOK_PATH, stripeWebhookRouter({ stripe: () => payments.stripe, webhookSecret: payments.setup.webhookSecret, inbox: payments.inbox, logger }));
  // Simulation mode: the simulator's hosted checkout page on the app's own port (no session; same-origin forms).
  const checkoutPage = payments?.setup.simulator?.checkoutPage;
  if (checkoutPage) app.use(STRIPE_CHECKOUT_PATH, sameOriginOnly(), checkoutPage);
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.use(refuseBadText());

  app.use(
    session({
      name: SESSION_COOKIE,
      secret: sessionSecret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      // Not rolling: re-saving the session on every request would add a database write to every status poll; the
      // store's touch records "last seen" at most once per LAST_SEEN_RESOLUTION_MS instead.
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 14 * 24 * 3600 * 1000 },
    }),
  );
  app.use(saveSessionBeforeRedirect());
  app.use(csrfProtection({ exempt: csrfExempt, secret: sessionSecret, clock }));
  app.use(exposeFlash);
  // The account a request pays from, resolved once and shared by the banners and the routes.
  const payingAccountOf = payingAccountOfRequest(services.payingAccounts);
  // What a page needs to know of its user: who they are, the banners above every full page (a form re-shown with an
  // error included), the nav. Named, so a log-in can run it again for the page it answers with (src/routes.ts).
  const userPageLocals = [
    loadUser(services.users, sessionStore),
    pageBanners([
      lowBalanceBannerSource({ wallet: services.money.wallet, payingAccountOf, thresholdMicros: config.money.lowBalanceThresholdMicros, currency: config.money.currency }),
      confirmEmailBanner,
      verifyPhoneBanner,
    ]),
    (req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.locals.nav = navFor(req.user, { phones: Boolean(phonesPage), outbox: config.simulate && services.email.usesOutbox });
      // A page answered to a form's POST shows (and the nav marks) the address it stands for, not the form's.
      res.locals.path = res.locals.pageUrl ?? req.path;
      next();
    },
  ];
  app.use(userPageLocals);

  registerRoutes(app, services, { payingAccountOf, userPageLocals });

  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, services, sessionStore };
}

/**
 * The status poll answered before Express's router: each of many open call pages keeps one poll waiting, and a
 * request waiting inside the router holds its per-request closures and properties for the whole wait. Only the poll's
 * exact path is taken (the edge checks in front of the router, NUL bytes and the like, cannot match it).
 */
function answerStatusPollsFirst(app: Express, frontDoor: (req: IncomingMessage, res: ServerResponse) => boolean): void {
  const routed = app as unknown as { handle(req: IncomingMessage, res: ServerResponse, done?: unknown): void };
  const handle = routed.handle.bind(app);
  routed.handle = (req, res, done) => {
    if (!frontDoor(req, res)) handle(req, res, done);
  };
}

function failedPoll(err: unknown, res: ServerResponse, logger: Services['logger']): void {
  logger.error({ err }, 'request failed');
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end('An unexpected error stopped this page. It has been logged; please try again in a moment.');
}

/** Where the simulator's handset page is served in simulation mode. */
export const PHONES_PATH = '/phones';

/**
 * The handset page has no session, so no CSRF token: its buttons are guarded by the same-origin check instead.
 * Anything else under /phones ends here with a 404 instead of reaching the session middleware.
 */
function phonesMount(phones: PhonesPage, htmxUrl: string): Router {
  const router = Router();
  router.use(sameOriginOnly());
  router.use(phones({ base: PHONES_PATH, htmxUrl }));
  router.use((_req, res) => void res.status(404).type('text').send('Not found'));
  return router;
}

