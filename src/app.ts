import { compressResponses } from './http/compress-responses.js';
import express, { type Express, Router } from 'express';
import session from 'express-session';
import type { Logger } from 'pino';
import { accountsService, type AccountsService } from './accounts/accounts-service.js';
import { adminServices, endLiveCallOf, type AdminServices, type EndLiveCall } from './admin/admin-services.js';
import { apiRouter } from './api/api-router.js';
import { apiServices, type ApiServices } from './api/api-services.js';
import { notifyCallCompleted } from './api/webhooks/call-completed-hook.js';
import { callsHistory } from './calls/history-repository.js';
import type { RateLimitOptions } from './api/rate-limit.js';
import type { WebhookDeliveries } from './api/webhooks/webhook-deliveries.js';
import { loadUser } from './accounts/auth-middleware.js';
import { argon2Hasher, type PasswordHasher } from './accounts/passwords.js';
import { sessionsRepository, type SessionsRepository } from './accounts/sessions-repository.js';
import { usersRepository } from './accounts/users-repository.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/config.js';
import type { Db } from './db/database.js';
import { callLogProps } from './http/call-log-context.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler, notFound } from './http/errors.js';
import { exposeFlash } from './http/flash.js';
import { navFor } from './http/navigation.js';
import { sameOriginOnly } from './http/same-origin.js';
import { securityHeaders } from './http/security.js';
import { requestLogger } from './http/request-log.js';
import { DatabaseSessionStore, readSessionEarly } from './http/session-store.js';
import { SESSION_COOKIE } from './http/session-cookie.js';
import { isClick } from './calls/placement-prefetch.js';
import './http/session-types.js';
import { staticAssets } from './http/static-assets.js';
import { installViews } from './http/views.js';
import { createLogger } from './logger.js';
import { DEMO_EMAILS } from './demo/seed.js';
import { phoneVerificationService, type PhoneVerificationService } from './phone/phone-verification-service.js';
import { twilioPhoneVerifier, type PhoneVerifier } from './phone/phone-verifier.js';
import { phoneVerificationsRepository } from './phone/phone-verifications-repository.js';
import { verifyPhoneBannerMiddleware } from './phone/verify-phone-banner.js';
import { attemptCounters, type AttemptCounters } from './rate-limits/attempt-counters.js';
import type { Telephony } from './telephony/telephony.js';
import type { PhonesPage } from './sim/simulator.js';
import type { JobScheduler } from './jobs/scheduler.js';
import { registerRoutes } from './routes.js';
import { createCallsService, type CallsService } from './calls/calls-service.js';
import { statusPoll } from './calls/status-poll.js';
import { twilioWebhooks } from './calls/webhook-routes.js';
import { lowBalanceBannerMiddleware } from './wallet/low-balance-middleware.js';
import { moneyServices, type MoneyServices } from './wallet/money-services.js';
import { watchJobLateness } from './metrics/job-lateness.js';
import { AppMetrics } from './metrics/metrics.js';
import { metricsSources } from './metrics/metrics-repository.js';
import { metricsForScraper, webhookTiming } from './metrics/metrics-routes.js';
import type { Payments } from './payments/payments.js';
import type { PaymentsService } from './payments/payments-service.js';
import { stripeWebhookRouter } from './payments/stripe-webhook.js';
import { STRIPE_WEBHOOK_PATH } from './sim/stripe/embedded.js';
import { STRIPE_CHECKOUT_PATH } from './sim/stripe/simulator.js';

export interface AppDeps {
  config: Config;
  db: Db;
  /** Signs session cookies; main.ts keeps it in the database so sessions survive restarts. */
  sessionSecret: string;
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  /** Twilio, real or simulated; absent in tests that place no calls. */
  telephony?: Telephony;
  /** Scheduled work; when present its dashboard is mounted at /admin/jobs/. */
  jobs?: JobScheduler;
  /** Built by main.ts first when jobs need them too; otherwise built here. */
  money?: MoneyServices;
  /** Ends a user's live call when an admin disables the account (the calls feature's; absent in tests without calls). */
  endLiveCall?: EndLiveCall;
  /** Outgoing webhooks; built by main.ts first, as the delivery job needs them too; otherwise built here. */
  webhooks?: WebhookDeliveries;
  /** Per-token API request limit (default 120 a minute). */
  apiRateLimit?: RateLimitOptions;
  /** Built by main.ts first so the Twilio client can report into it; otherwise built here. */
  metrics?: AppMetrics;
  /** Built by main.ts first when jobs need it too (hangup, reconciliation); otherwise built here. */
  calls?: CallsService;
  /**
   * Simulation mode with the in-process simulator: its handset page, served at /phones on the app's own port (so a
   * container's one published port is enough to answer the demo phone). Absent: no /phones and no nav item.
   */
  phones?: PhonesPage;
  /** Twilio Verify; by default through `telephony` (tests may pass a double). */
  phoneVerifier?: PhoneVerifier;
  /** Card top-ups (createPayments); absent: no card top-ups, no Stripe webhook. */
  payments?: Payments;
}

/** Everything a route needs, built once per app so tests can build many apps side by side. */
export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  accounts: AccountsService;
  users: ReturnType<typeof usersRepository>;
  sessions: SessionsRepository;
  /** Attempt counters in the database (log-ins, sign-ups, verification codes). */
  counters: AttemptCounters;
  phones: PhoneVerificationService;
  telephony: Telephony | undefined;
  jobs: JobScheduler | undefined;
  /** Rates, wallet, call credit holds and vouchers. */
  money: MoneyServices;
  /** The admin console's changes (each with its audit row) and the audit log. */
  admin: AdminServices;
  /** API tokens, their rate limiter, outgoing webhooks. */
  api: ApiServices;
  /** This app's own Prometheus registry (GET /metrics). */
  metrics: AppMetrics;
  /** Placing, following and settling calls. */
  calls: CallsService;
  /** Card top-ups, refunds and disputes through Stripe (absent when the app was built without them). */
  payments: PaymentsService | undefined;
}

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
  req.path.startsWith('/twilio/') || req.path.startsWith('/admin/jobs/') || isMultipartUpload(req);

/** Streamed uploads are not parsed before routing, so their route checks the token itself (validCsrfToken). */
const MULTIPART_ROUTES = new Set(['/admin/rates/import']);
const isMultipartUpload = (req: express.Request) => MULTIPART_ROUTES.has(req.path) && req.is('multipart/form-data') === 'multipart/form-data';

export function buildApp(deps: AppDeps): BuiltApp {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.logLevel);
  const users = usersRepository(db);
  const sessions = sessionsRepository(db);
  const counters = attemptCounters(db, clock);
  const money = deps.money ?? moneyServices({ db, clock, money: config.money });
  const api = apiServices({ db, clock, logger, httpsWebhooksOnly: config.env === 'production', rateLimit: deps.apiRateLimit, webhooks: deps.webhooks, scheduleWebhook: deps.jobs && ((id) => deps.jobs!.scheduleWebhookDelivery(id)) });
  const calls = deps.calls ?? createCallsService({ db, clock, logger, money, users, telephony: deps.telephony, hangups: deps.jobs, config, onSettled: notifyCallCompleted(api.webhooks, money.currency, logger) });
  // With real Twilio the demo accounts' published passwords must stop working.
  const disabledEmails = config.simulate ? new Set<string>() : new Set<string>(DEMO_EMAILS);
  const verifier = deps.phoneVerifier ?? twilioPhoneVerifier(deps.telephony, (err) => logger.error({ err }, 'Twilio Verify request failed'));
  const services: Services = {
    config,
    db,
    clock,
    logger,
    users,
    sessions,
    counters,
    telephony: deps.telephony,
    jobs: deps.jobs,
    accounts: accountsService({ users, sessions, counters, hasher: deps.hasher ?? argon2Hasher(), clock, disabledEmails }),
    api,
    metrics: deps.metrics ?? new AppMetrics(metricsSources(db)),
    money,
    calls,
    admin: adminServices({ db, clock, money, logger, endLiveCall: deps.endLiveCall ?? ((userId) => endLiveCallOf(calls, userId)) }),
    phones: phoneVerificationService({ repo: phoneVerificationsRepository(db), counters, rates: money.rates, verifier, clock }),
    payments: deps.payments?.service,
  };
  services.money.callCredit.onSettled((settlement) => services.metrics.observeSettlement(settlement));
  if (deps.jobs) watchJobLateness(deps.jobs.agenda, services.metrics);

  const app = express();
  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', 1);
  const assets = staticAssets();
  const viewHelpers = { assets: assets.urls, currency: config.money.currency };
  const eta = installViews(app, { cache: config.env === 'production', helpers: viewHelpers });

  // First of all: the click-to-create clock starts as the request arrives, and webhooks are timed whole.
  app.use(services.metrics.callStart.middleware());
  const placementPrefetch = services.calls.placementPrefetch;
  const sessionStore = new DatabaseSessionStore(db, clock, placementPrefetch?.sessionRead);
  if (placementPrefetch) {
    app.use(placementPrefetch.middleware());
    // After it: the early read brings the placement's state along (PlacementPrefetch's read-along).
    app.use(readSessionEarly(sessionStore, { secret: deps.sessionSecret, when: isClick }));
  }
  app.use('/twilio', webhookTiming(services.metrics));
  // First: API clients authenticate with a bearer token (no session row, no cookie, no CSRF), and the router has its
  // own lean request log and headers instead of the web stack's (see src/api/api-http.ts).
  app.use('/api/v1', apiRouter({ api: services.api, money: services.money, calls: services.calls, history: callsHistory(db), logger, publicUrl: config.publicUrl, freeMinutesPerMonth: config.money.freeMinutesPerMonth }));
  // Hot paths first: Twilio's webhooks and the call status poll need no session, cookie parsing, CSRF or helmet.
  app.use('/twilio', twilioWebhooks({ calls: services.calls, authToken: deps.telephony?.authToken, publicUrl: config.publicUrl, logger }));
  const render = (view: string, data: object) => eta.render(view, { ...viewHelpers, ...data });
  app.get('/calls/:id/status', statusPoll({ calls: services.calls, sessionSecret: deps.sessionSecret, currency: config.money.currency, clock, render }));
  app.use(requestLogger(logger));
  app.use(compressResponses());
  app.use(securityHeaders({ https: config.secureCookies }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.raw('select 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use(assets.router);
  // Before sessions: a scraper with the bearer token never touches the session store.
  app.get('/metrics', metricsForScraper(services.metrics, config.metricsToken));
  // Before sessions: the phones page and its polls create no session rows.
  if (deps.phones) app.use(PHONES_PATH, phonesMount(deps.phones, assets.urls.htmx));
  // Before any body parser and CSRF: Stripe's signature covers the raw bytes and is the authentication.
  if (deps.payments) app.use(STRIPE_WEBHOOK_PATH, stripeWebhookRouter({ stripe: deps.payments.stripe, webhookSecret: deps.payments.setup.webhookSecret, payments: deps.payments.service, logger }));
  // Simulation mode: the simulator's hosted checkout page on the app's own port (no session; same-origin forms).
  const checkoutPage = deps.payments?.setup.simulator?.checkoutPage;
  if (checkoutPage) app.use(STRIPE_CHECKOUT_PATH, sameOriginOnly(), checkoutPage);
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));

  app.use(
    session({
      name: SESSION_COOKIE,
      secret: deps.sessionSecret,
      store: sessionStore,
      resave: false,
      saveUninitialized: false,
      // Not rolling: re-saving the session on every request would add a database write to every status poll; the
      // store's touch records "last seen" at most once per LAST_SEEN_RESOLUTION_MS instead.
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 14 * 24 * 3600 * 1000 },
    }),
  );
  app.use(csrfProtection({ exempt: csrfExempt, secret: deps.sessionSecret, clock }));
  app.use(exposeFlash);
  app.use(loadUser(users, sessionStore));
  app.use(lowBalanceBannerMiddleware({ wallet: services.money.wallet, thresholdMicros: config.money.lowBalanceThresholdMicros, currency: config.money.currency }));
  app.use(verifyPhoneBannerMiddleware);
  app.use((req, res, next) => {
    res.locals.nav = navFor(req.user, { phones: Boolean(deps.phones) });
    res.locals.path = req.path;
    next();
  });

  registerRoutes(app, services);

  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, services, sessionStore };
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

