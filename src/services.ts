import { payingAccounts, type PayingAccounts } from './accounts/paying-account.js';
import type { Logger } from 'pino';
import type twilio from 'twilio';
import { accountsService, type AccountsService } from './accounts/accounts-service.js';
import { argon2Hasher, type PasswordHasher } from './accounts/passwords.js';
import { sessionsRepository, type SessionsRepository } from './accounts/sessions-repository.js';
import { usersRepository, type UsersRepository } from './accounts/users-repository.js';
import { adminServices, endLiveCallOf, type AdminServices, type EndLiveCall } from './admin/admin-services.js';
import { apiServices, type ApiServices } from './api/api-services.js';
import type { RateLimitOptions } from './api/rate-limit.js';
import { tokensRepository } from './api/tokens-repository.js';
import { notifyCallCompleted } from './api/webhooks/call-completed-hook.js';
import { webhookDeliveries } from './api/webhooks/webhook-deliveries.js';
import { callChangeFeed, type CallChangeFeed } from './calls/call-changes.js';
import { webhookTargetPolicy, type WebhookTargetPolicy } from './api/webhooks/webhook-target.js';
import { createCallsService, type CallsService } from './calls/calls-service.js';
import { callAbuse } from './calls/call-abuse.js';
import type { AbusePolicy } from './calls/abuse-limits.js';
import { parseAllowedNumberTypes } from './rating/phone.js';
import { callsHistory, type CallsHistory } from './calls/history-repository.js';
import { contactsRepository } from './contacts/contacts-repository.js';
import { contactsService, type ContactsService } from './contacts/contacts-service.js';
import { teamsRepository, teamUser } from './teams/teams-repository.js';
import { teamsService, type TeamsService } from './teams/teams-service.js';
import { teamMoney, type TeamMoney } from './teams/team-money.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/config.js';
import { createDb, migrateToLatest, type Db } from './db/database.js';
import { getOrCreateSetting, randomSecret } from './db/settings.js';
import { DEMO_EMAILS } from './demo/seed.js';
import { emailServices, type EmailServices } from './email/email-services.js';
import { DatabaseSessionStore } from './http/session-store.js';
import { appJobHandlers } from './jobs/handlers.js';
import { createJobScheduler, type JobScheduler, type JobSchedulerOptions } from './jobs/scheduler.js';
import { createLogger } from './logger.js';
import { watchJobLateness } from './metrics/job-lateness.js';
import { AppMetrics } from './metrics/metrics.js';
import { metricsSources } from './metrics/metrics-repository.js';
import { phoneVerificationService, type PhoneVerificationService } from './phone/phone-verification-service.js';
import { twilioPhoneVerifier, type PhoneVerifier } from './phone/phone-verifier.js';
import { phoneVerificationsRepository } from './phone/phone-verifications-repository.js';
import { attemptCounters, type AttemptCounters } from './rate-limits/attempt-counters.js';
import { seedRatesIfEmpty } from './rates/rate-deck-service.js';
import { resolveTwilioSetup, type EmbeddedSimulatorOptions } from './sim/embedded.js';
import type { PhonesPage, RunningSimulator } from './sim/simulator.js';
import { createTelephony, type Telephony } from './telephony/telephony.js';
import { moneyServices, type MoneyServices } from './calls/money-services.js';
import { createPayments, type Payments } from './payments/payments.js';
import { recordingsRepository } from './recordings/recordings-repository.js';
import { recordingsService, type RecordingsService } from './recordings/recordings-service.js';
import { folderStorage, type RecordingStorage } from './recordings/recording-storage.js';
import { resolveStripeSetup, type EmbeddedStripeSimulatorOptions } from './sim/stripe/embedded.js';
import type { RunningStripeSimulator } from './sim/stripe/simulator.js';

/**
 * Everything the HTTP layer, the CLI and the tools use, built once by composeServices. It holds no database
 * handle: route code reaches data only through these services.
 */
export interface Services {
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Signs session cookies and CSRF tokens; from SESSION_SECRET, else kept in the settings table across restarts. */
  sessionSecret: string;
  accounts: AccountsService;
  users: UsersRepository;
  sessions: SessionsRepository;
  /** express-session's store (the sessions table). */
  sessionStore: DatabaseSessionStore;
  /** Attempt counters in the database (log-ins, sign-ups, verification codes). */
  counters: AttemptCounters;
  phones: PhoneVerificationService;
  /** Twilio, real or simulated; undefined when composed without it (tests that place no calls). */
  telephony: Telephony | undefined;
  /** The in-process Twilio simulator, when this composition started one. */
  simulator: RunningSimulator | undefined;
  /** The simulator's handset page, served at /phones; undefined: no /phones and no nav item. */
  phonesPage: PhonesPage | undefined;
  /** Scheduled work; undefined when composed without jobs. Started by the caller (jobs.start()). */
  jobs: JobScheduler | undefined;
  /** Rates, wallet, call credit holds and vouchers. */
  money: MoneyServices;
  /** The accounts a user may pay from and the one they chose (src/accounts/paying-account.ts). */
  payingAccounts: PayingAccounts;
  /** The admin console's changes (each with its audit row), its reads and the audit log. */
  admin: AdminServices;
  /** API tokens, their rate limiter, outgoing webhooks. */
  api: ApiServices;
  /** This process's Prometheus registry (GET /metrics). */
  metrics: AppMetrics;
  /** Placing, following and settling calls. */
  calls: CallsService;
  /** Sending (SMTP or outbox), notices, and the account flows that email (confirm, reset, change of address). */
  email: EmailServices;
  /** A user's call history pages and CSV. */
  history: CallsHistory;
  /** The address book: contacts, search, import and export, scoped by the acting user. */
  contacts: ContactsService;
  /** Teams: members, roles, invitations and per-member limits, each reached through a team of the acting user. */
  teams: TeamsService;
  /** A team's balance, calls, spend per member and ledger (team pages), and the admin's team wallet. */
  teamMoney: TeamMoney;
  /** Call recordings: the opt-in, Twilio's callbacks, the download job, playback, retention, admin settings. */
  recordings: RecordingsService;
  /**
   * Card top-ups, refunds and disputes through Stripe (the service, the SDK client and where it points); undefined
   * when composed without them (no top-up form, no Stripe webhook).
   */
  payments: Payments | undefined;
  /** Readiness (GET /readyz): can the database answer? */
  health: { databaseReachable(): Promise<boolean> };
  /** Imports the rate deck in `file` when the rates table is empty; returns how many rates were imported. */
  seedRatesIfEmpty(file: string): Promise<number>;
}

/** What composeServices returns: the services, and close() to release what it opened, in reverse order. */
export interface ComposedServices extends Services {
  /**
   * Answers every waiting status poll and closes the call-change feed, then stops the jobs (waiting up to
   * `jobsTimeoutMs` for running ones), waits for background email work (a forgot-password lookup answered just
   * before shutdown still sends its email), stops the simulators, and last closes the database it opened.
   */
  close(options?: { jobsTimeoutMs?: number }): Promise<void>;
}

/** Scheduler settings a caller may change (tests: poll faster, no recurring jobs, a throw-away backend). */
export type JobOverrides = Partial<Pick<JobSchedulerOptions, 'processEvery' | 'recurring' | 'backend' | 'lockLifetimeMs' | 'name' | 'webhookBackoff' | 'emailBackoff' | 'recordingBackoff' | 'jobLog'>>;

/** What tests, the CLI and the tools may replace; everything else is built from config. */
export interface ServiceOverrides {
  /** An open, migrated database the caller owns (and closes). Default: opened from config, migrated, closed by close(). */
  db?: Db;
  clock?: Clock;
  logger?: Logger;
  hasher?: PasswordHasher;
  /** Twilio Verify; by default through the telephony (tests pass a double). */
  phoneVerifier?: PhoneVerifier;
  sessionSecret?: string;
  /**
   * A ready Telephony, or null for none. Default: from config, real Twilio with credentials, else the simulator at
   * TWILIO_API_BASE or one started in-process (see `simulator`).
   */
  telephony?: Telephony | null;
  /** The in-process simulator's port, speed and deck, when one is started. */
  simulator?: EmbeddedSimulatorOptions;
  /** Replaces the twilio SDK's HTTP client (tests lose a response on the way back, say). */
  twilioHttpClient?: InstanceType<typeof twilio.RequestClient>;
  /** Serve this handset page at /phones, or false for none. Default: the in-process simulator's, when one runs. */
  phonesPage?: PhonesPage | false;
  /** A scheduler built elsewhere (a test bed), null for no jobs, or settings for the one built here. */
  jobs?: JobScheduler | null | JobOverrides;
  /** Per-token API request limit (default 120 a minute). */
  apiRateLimit?: RateLimitOptions;
  /** What disabling an account does to its live call; default: hang it up through the calls service. */
  endLiveCall?: EndLiveCall;
  /**
   * Where outgoing webhooks may go. Default: public addresses only, plain http only for config's WEBHOOK_HTTP_HOSTS.
   * Tests pass a policy that lets their local listener through, or one with a fake resolver.
   */
  webhookTargets?: WebhookTargetPolicy;
  /**
   * Card top-ups: false for none. Default: from config, real Stripe with STRIPE_SECRET_KEY, else the simulator at
   * STRIPE_API_BASE or one started in-process, whose port, speed and retry delays these options may set.
   */
  stripe?: EmbeddedStripeSimulatorOptions | false;
  /** What removing a member (or a member leaving) does to their live calls on the team's account; default: nothing yet. */
  endMemberCalls?: (accountId: number, userId: number) => Promise<void>;
  /** The toll-fraud policy's limits (docs/security.md); default: config's (CALL_ATTEMPTS_PER_HOUR, …). */
  abusePolicy?: Partial<AbusePolicy>;
  /** Where recordings are kept; default: the folder config.recordings.dir. */
  recordingStorage?: RecordingStorage;
}

const isScheduler = (jobs: ServiceOverrides['jobs']): jobs is JobScheduler => typeof jobs === 'object' && jobs !== null && 'agenda' in jobs;

/**
 * The composition root: the one place services are constructed, for the server (src/main.ts), the tests, the
 * admin CLI and the storm tool. Order: logger and clock; the database (opened and migrated unless given); the
 * session secret; metrics (the Twilio client reports into it); telephony (maybe starting the simulator); money;
 * webhooks and the API; the job scheduler, email, the call-change feed and the calls service (each handed the
 * others: jobs hang calls up and send email, calls schedule hangups, email queues through the scheduler); card
 * payments (maybe starting the Stripe simulator); accounts, phone verification and admin services; last, the
 * cross-feature hooks (settlement metrics, job lateness, call.completed webhooks, low-balance notices, the
 * simulator's view of the outbox).
 */
export async function composeServices(config: Config, overrides: ServiceOverrides = {}): Promise<ComposedServices> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const ownsDb = overrides.db === undefined;
  const db = overrides.db ?? createDb(config.database, { logger: logger.child({ component: 'db' }) });
  let simulator: RunningSimulator | undefined;
  let stripeSimulator: RunningStripeSimulator | undefined;
  let jobs: JobScheduler | undefined;
  let callChanges: CallChangeFeed | undefined;
  let email: EmailServices | undefined;
  let stopCountingStatements: (() => void) | undefined;
  const release = async (jobsTimeoutMs?: number) => {
    stopCountingStatements?.();
    // First: every waiting status poll is answered, and the LISTEN connection closes before the pool it publishes through.
    await callChanges?.close();
    if (jobs && !isScheduler(overrides.jobs)) await jobs.stop(jobsTimeoutMs === undefined ? {} : { timeoutMs: jobsTimeoutMs });
    await email?.idle();
    await simulator?.close();
    await stripeSimulator?.close();
    if (ownsDb) await db.destroy();
  };
  try {
    if (ownsDb) await migrateToLatest(db);
    const sessionSecret = overrides.sessionSecret ?? config.sessionSecret ?? (await getOrCreateSetting(db, 'session_secret', randomSecret));
    const metrics = new AppMetrics(metricsSources(db));
    stopCountingStatements = metrics.countStatements(db);
    const telephony = await buildTelephony(metrics);
    // The simulator's handsets are Twilio's test numbers, +1 500 555 xxxx, which libphonenumber types as personal numbers.
    const allowedNumberTypes = parseAllowedNumberTypes([config.fraud.numberTypesAllowed, config.simulate ? 'US:PERSONAL_NUMBER' : ''].filter(Boolean).join(','));
    const money = moneyServices({ db, clock, money: config.money, allowedNumberTypes });
    const webhookTargets = overrides.webhookTargets ?? webhookTargetPolicy({ httpHosts: config.webhooks.httpHosts });
    // The delivery job and the API share one webhooks service; it queues through the scheduler built next.
    const webhooks = webhookDeliveries({ db, tokens: tokensRepository(db), clock, logger, targets: webhookTargets, schedule: overrides.jobs === null ? undefined : (id) => jobs!.scheduleWebhookDelivery(id) });
    const users = usersRepository(db);
    const sessions = sessionsRepository(db);
    const counters = attemptCounters(db, clock);
    const hasher = overrides.hasher ?? argon2Hasher();
    const api = apiServices({ db, clock, logger, webhookTargets, rateLimit: overrides.apiRateLimit, webhooks });
    // The calls service schedules hangup jobs and the jobs call back into it: each is handed the other in turn.
    // Likewise email: its send job is registered on the scheduler, and it queues through that scheduler.
    let calls: CallsService | undefined;
    let recordings: RecordingsService | undefined;
    // Built after the calls service (it needs email, which needs the scheduler): calls ask it through this closure.
    let payments: Payments | undefined;
    // A settlement may take the balance below the user's automatic top-up threshold (a personal call's: a team's
    // settlement leaves the personal wallet as it was).
    const afterSettlement = <T extends { userId: number; accountId?: number | null }>(next: (call: T) => Promise<void>) => async (call: T) => {
      await next(call);
      await payments?.autoTopUps.balanceChanged(call.userId, call.accountId);
    };
    jobs = buildJobs(() => calls!, () => email!, () => recordings!, () => payments, money, webhooks);
    const recordingJobs = isScheduler(overrides.jobs) ? undefined : jobs;
    const payers = payingAccounts(db);
    recordings = recordingsService({
      payingAccount: (userId, remembered) => payers.chosen(userId, remembered),
      repo: recordingsRepository(db, clock), storage: overrides.recordingStorage ?? folderStorage(config.recordings.dir), ledger: money.ledger, telephony, clock,
      logger: logger.child({ component: 'recordings' }), schedule: recordingJobs ? (id) => recordingJobs.scheduleRecordingProcess(id) : undefined,
    });
    const recordingsFeature = recordings;
    email = buildEmail({ users, sessions, counters, hasher, money, api, sessionSecret });
    const emailService = email;
    // Status polls wait on it: in-process on SQLite, with one LISTEN connection per instance on PostgreSQL.
    callChanges = callChangeFeed(db, logger.child({ component: 'call-changes' }));
    const { numberTypesAllowed: _types, ...configuredPolicy } = config.fraud;
    const abusePolicy: AbusePolicy = { ...configuredPolicy, ...overrides.abusePolicy };
    const abuse = callAbuse({ db, clock, counters, policy: abusePolicy, logger: logger.child({ component: 'fraud' }) });
    calls = createCallsService({ payers, db, clock, logger: logger.child({ component: 'calls' }), money, users, telephony, hangups: jobs, config, changes: callChanges, abuse, callHold: (userId) => payments?.service.holdReason(userId) ?? Promise.resolve(undefined), onSettled: afterSettlement(emailService.afterSettlement(notifyCallCompleted(webhooks, money.currency, logger))), recording: recordingsFeature });
    const callsService = calls;
    // With real Twilio the demo accounts' published passwords must stop working.
    const disabledEmails = config.simulate ? new Set<string>() : new Set<string>(DEMO_EMAILS);
    const verifier = overrides.phoneVerifier ?? twilioPhoneVerifier(telephony, (err) => logger.error({ err }, 'Twilio Verify request failed'));
    const phonesPage = overrides.phonesPage === false ? undefined : (overrides.phonesPage ?? simulator?.phonesPage);
    const endLiveCall = overrides.endLiveCall ?? ((userId: number) => endLiveCallOf(callsService, userId));
    payments = await buildPayments(money, emailService);
    const book = contactsService({ repo: contactsRepository(db), clock, allowedNumberTypes, accountFor: async (userId, remembered) => (await payers.chosen(userId, remembered)).accountId });
    const teamsRepo = teamsRepository(db);

    const services: ComposedServices = {
      config,
      clock,
      logger,
      sessionSecret,
      users,
      sessions,
      sessionStore: new DatabaseSessionStore(db, clock),
      counters,
      telephony,
      simulator,
      phonesPage,
      jobs,
      accounts: accountsService({ users, sessions, counters, hasher, clock, disabledEmails, onPasswordChanged: (userId) => emailService.notices.notify(userId, 'password-changed', { at: clock.now().toISOString() }) }),
      api,
      email: emailService,
      metrics,
      money,
      payingAccounts: payers,
      calls: callsService,
      history: callsHistory(db),
      contacts: book,
      recordings: recordingsFeature,
      teams: teamsService({
        repo: teamsRepo, clock, logger: logger.child({ component: 'teams' }), publicUrl: config.publicUrl,
        userById: (userId) => teamUser(db, userId),
        sendInvitation: async ({ to, ...data }) => void (await emailService.mailer.queue({ to, kind: 'team-invitation', data })),
        // A removed member's live call on the team's account ends at once (calls carry the paying account_id).
        endMemberCalls: overrides.endMemberCalls ?? (async (accountId, userId) => void (await callsService.endMemberCalls(accountId, userId))),
      }),
      teamMoney: teamMoney({
        repo: teamsRepo, ledger: money.ledger, clock, currency: money.currency,
        recentCalls: (accountId, limit) => callsService.recentForAccount(accountId, limit),
        // The team's calls are named from the team's own address book.
        contactNames: async (accountId, calls) => {
          const found = await book.namesForNumbers({ userId: 0, accountId }, calls.map((c) => c.toE164));
          return new Map([...found].map(([e164, c]) => [e164, c.name]));
        },
      }),
      payments,
      admin: adminServices({
        db, clock, money, logger, calls: callsService,
        endLiveCall: async (userId) => {
          // A disabled account's tokens must fail at once in this process too, not after the look-up cache expires.
          api.tokens.forgetUser(userId);
          await endLiveCall(userId);
        },
      }),
      phones: phoneVerificationService({ repo: phoneVerificationsRepository(db), counters, rates: money.rates, verifier, clock, ownPhonePolicy: abusePolicy }),
      health: {
        async databaseReachable() {
          try {
            await db.raw('select 1');
            return true;
          } catch {
            return false;
          }
        },
      },
      seedRatesIfEmpty: (file) => seedRatesIfEmpty(db, file, clock),
      close: (options = {}) => release(options.jobsTimeoutMs),
    };
    money.callCredit.onSettled((settlement) => metrics.observeSettlement(settlement));
    if (jobs) watchJobLateness(jobs.agenda, metrics);
    // The in-process simulator serves the outbox as JSON on its control API (GET /control/emails).
    if (emailService.usesOutbox) simulator?.control.attachEmails((to) => emailService.outboxJson(to));
    return services;
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }

  async function buildTelephony(metrics: AppMetrics): Promise<Telephony | undefined> {
    if (overrides.telephony !== undefined) return overrides.telephony ?? undefined;
    // The in-process simulator signs its webhooks with a token of this database's own (issue 26, finding 7): a public
    // constant would let anyone forge signed callbacks to a reachable instance.
    const simulatorToken = config.simulate && !config.twilio.apiBase ? await getOrCreateSetting(db, 'simulator_auth_token', randomSecret) : undefined;
    const setup = await resolveTwilioSetup(config, logger, { ...overrides.simulator, ...(simulatorToken ? { authToken: simulatorToken } : {}) });
    simulator = setup.simulator;
    return createTelephony(setup, { observeRequest: metrics.twilioObserver, httpClient: overrides.twilioHttpClient });
  }

  async function buildPayments(money: MoneyServices, email: EmailServices): Promise<Payments | undefined> {
    if (overrides.stripe === false) return undefined;
    const setup = await resolveStripeSetup(config, logger, overrides.stripe);
    stripeSimulator = setup.simulator;
    // Receipts and refund notices go out without holding up the webhook that caused them (email.idle() waits for them).
    const notices = { notify: email.notifyInBackground, balanceChanged: (userId: number) => email.mailer.inBackground(email.notices.balanceChanged(userId)) };
    // A scheduler handed in (a test bed) has handlers of its own: then events are applied in the background.
    const scheduler = isScheduler(overrides.jobs) ? undefined : jobs;
    return createPayments({ config, db, clock, logger, ledger: money.ledger, setup, notices, membership: (userId, accountId) => payingAccounts(db).membership(userId, accountId), scheduleEvent: scheduler ? (id) => scheduler.scheduleStripeEvent(id) : undefined, scheduleAutoTopUp: scheduler ? (userId, crossing) => scheduler.scheduleAutoTopUp(userId, crossing) : undefined });
  }

  function buildJobs(calls: () => CallsService, email: () => EmailServices, recordings: () => RecordingsService, payments: () => Payments | undefined, money: MoneyServices, webhooks: ReturnType<typeof webhookDeliveries>): JobScheduler | undefined {
    if (isScheduler(overrides.jobs)) return overrides.jobs;
    if (overrides.jobs === null) return undefined;
    const handlers = {
      ...appJobHandlers({ calls, money, logger }),
      deliverWebhook: async (id: number) => void (await webhooks.attempt(id)),
      sendEmail: (id: number) => email().sendEmail(id),
      processRecording: (id: number) => recordings().process(id),
      recordingRetention: async () => void (await recordings().maintain()),
      // Composed without payments, a stored event (from an earlier run) has nothing to apply it: it is left as is.
      applyStripeEvent: async (id: number) => void (await payments()?.inbox.apply(id)),
      autoTopUp: async (userId: number, crossing: number) => void (await payments()?.autoTopUps.charge(userId, crossing)),
    };
    return createJobScheduler({ config, db, logger: logger.child({ component: 'jobs' }), clock, handlers, ...overrides.jobs });
  }

  /**
   * The email feature: sent by the email.send job when the scheduler is built here with our handler (a scheduler
   * handed in, such as a test bed, has handlers of its own: then emails are sent in the background), API
   * tokens revoked through the API's service on a reset that asks for it, and the new-token security notice.
   */
  function buildEmail(deps: { users: UsersRepository; sessions: SessionsRepository; counters: AttemptCounters; hasher: PasswordHasher; money: MoneyServices; api: ApiServices; sessionSecret: string }): EmailServices {
    const { api } = deps;
    const scheduler = isScheduler(overrides.jobs) ? undefined : jobs;
    const built = emailServices({
      config, db, clock, logger, users: deps.users, sessions: deps.sessions, counters: deps.counters, hasher: deps.hasher, secret: deps.sessionSecret,
      personalBalance: (userId, paidFrom) => deps.money.ledger.personalBalance(userId, paidFrom),
      schedule: scheduler ? (id) => scheduler.scheduleEmail(id) : undefined,
      revokeApiTokens: async (userId) => {
        const live = (await api.tokens.list(userId)).filter((t) => !t.revokedAt);
        for (const token of live) await api.tokens.revoke(userId, token.id);
        return live.length;
      },
    });
    // A new token can act for the account: its owner hears of it, whoever created it.
    const create = api.tokens.create;
    api.tokens.create = async (userId, input, account) => {
      const outcome = await create(userId, input, account);
      if (outcome.ok) built.notifyInBackground(userId, 'api-token-created', { tokenName: outcome.value.token.name, scope: outcome.value.token.scope, at: clock.now().toISOString() });
      return outcome;
    };
    return built;
  }
}
