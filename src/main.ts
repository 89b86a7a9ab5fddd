import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp, PHONES_PATH } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createDb, migrateToLatest } from './db/database.js';
import { getOrCreateSetting, randomSecret } from './db/settings.js';
import { DEMO_USER, seedDemoAccounts, switchOffDemoAccounts, workingDemoLogIns } from './demo/seed.js';
import { closeServer, listen, ListenError } from './http/server-lifecycle.js';
import { createLogger } from './logger.js';
import { join } from 'node:path';
import { dataDir, projectRoot } from './paths.js';
import { seedRatesIfEmpty } from './rates/rate-deck-service.js';
import { resolveTwilioSetup, type TwilioSetup } from './sim/embedded.js';
import { createTelephony } from './telephony/telephony.js';
import { systemClock } from './clock.js';
import { appJobHandlers } from './jobs/handlers.js';
import { createJobScheduler } from './jobs/scheduler.js';
import { moneyServices } from './wallet/money-services.js';
import { tokensRepository } from './api/tokens-repository.js';
import { webhookDeliveries } from './api/webhooks/webhook-deliveries.js';
import { notifyCallCompleted } from './api/webhooks/call-completed-hook.js';
import { AppMetrics } from './metrics/metrics.js';
import { metricsSources } from './metrics/metrics-repository.js';
import { usersRepository } from './accounts/users-repository.js';
import { createCallsService, type CallsService } from './calls/calls-service.js';
import { resolveStripeSetup, type StripeSetup } from './sim/stripe/embedded.js';
import { createPayments } from './payments/payments.js';

const started = performance.now();

function readConfig(): Config {
  const envFile = join(projectRoot, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`callbridge cannot start. ${err.message}. See .env.example.`);
      process.exit(78);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  // A person at a terminal reads lines; anything else (Docker, systemd, a log shipper) gets JSON.
  const logger = createLogger(config.logLevel, { pretty: process.stdout.isTTY === true });
  const db = createDb(config.database, { logger: logger.child({ component: 'db' }) });
  await migrateToLatest(db);
  const sessionSecret = config.sessionSecret ?? (await getOrCreateSetting(db, 'session_secret', randomSecret));
  const twilioSetup = await resolveTwilioSetup(config, logger);
  const metrics = new AppMetrics(metricsSources(db));
  const telephony = createTelephony(twilioSetup, { observeRequest: metrics.twilioObserver });
  const money = moneyServices({ db, clock: systemClock, money: config.money });
  // The delivery job and the app share one webhooks service; it queues through the scheduler built next.
  const webhooks = webhookDeliveries({ db, tokens: tokensRepository(db), clock: systemClock, logger, schedule: (id) => jobs.scheduleWebhookDelivery(id) });
  const users = usersRepository(db);
  // The calls service schedules hangup jobs and the jobs call back into it: each is handed the other in turn.
  let calls: CallsService | undefined;
  const handlers = { ...appJobHandlers({ calls: () => calls!, money, logger }), deliverWebhook: async (id: number) => void (await webhooks.attempt(id)) };
  const jobs = createJobScheduler({ config, db, logger: logger.child({ component: 'jobs' }), handlers });
  calls = createCallsService({ db, clock: systemClock, logger: logger.child({ component: 'calls' }), money, users, telephony, hangups: jobs, config, onSettled: notifyCallCompleted(webhooks, money.currency, logger) });
  const phones = twilioSetup.simulator?.phonesPage;
  const stripeSetup = await resolveStripeSetup(config, logger);
  const payments = createPayments({ config, db, clock: systemClock, logger, wallet: money.wallet.ctx, setup: stripeSetup });
  const { app, services, sessionStore } = buildApp({ config, db, logger, sessionSecret, telephony, money, jobs, calls, webhooks, metrics, payments, ...(phones ? { phones } : {}) });

  if (config.admin) {
    const { created } = await services.accounts.ensureAdmin(config.admin.email, config.admin.password);
    logger.info({ email: config.admin.email }, created ? 'admin account created from ADMIN_EMAIL' : 'ADMIN_EMAIL account is an admin');
  }
  const demo = config.simulate ? await seedDemoAccounts(services) : { created: false };
  const demoLogIns = config.simulate ? await workingDemoLogIns(services) : [];
  const switchedOffDemos = config.simulate ? 0 : await switchOffDemoAccounts(services);
  const seededRates = await seedRatesIfEmpty(db, join(dataDir, 'rates.csv'), services.clock);
  if (seededRates > 0) logger.info({ rates: seededRates }, 'imported the sample rate deck (data/rates.csv) into the empty rates table');
  await services.money.rates.reload();
  await jobs.start();

  let server: Server;
  try {
    server = await listen(app, config.port, config.host);
  } catch (err) {
    await jobs.stop();
    await twilioSetup.simulator?.close();
    await stripeSetup.simulator?.close();
    await db.destroy();
    throw err;
  }
  const pruneTimer = setInterval(() => {
    void sessionStore.prune().catch((err) => logger.warn({ err }, 'session prune failed'));
    void services.counters.prune().catch((err) => logger.warn({ err }, 'attempt counter prune failed'));
  }, 3600_000);
  pruneTimer.unref();

  announce(config, (server.address() as AddressInfo).port, twilioSetup, stripeSetup, { seeded: demo.created, logIns: demoLogIns, switchedOff: switchedOffDemos }, performance.now() - started);
  installShutdown(server, async () => {
    clearInterval(pruneTimer);
    await jobs.stop();
    logger.info('jobs stopped');
    await twilioSetup.simulator?.close();
    await stripeSetup.simulator?.close();
    await db.destroy();
  }, logger);
}

interface DemoStatus {
  seeded: boolean;
  logIns: Array<{ label: string; email: string; password: string }>;
  switchedOff: number;
}

function announce(config: Config, port: number, twilio: TwilioSetup, stripe: StripeSetup, demo: DemoStatus, startupMs: number): void {
  const lines = [`callbridge is running at ${config.publicUrl} (started in ${Math.round(startupMs)} ms, listening on ${config.host}:${port})`];
  lines.push(`  database: ${config.database.client === 'sqlite' ? config.database.file : 'PostgreSQL'}`);
  if (config.simulate) {
    lines.push(`  telephony: Twilio simulator at ${twilio.apiBase} (no Twilio credentials configured)`);
    // The in-process simulator's phones are also served by the app itself, so one published port is enough.
    const phonesUrl = twilio.simulator ? `${config.publicUrl}${PHONES_PATH}` : `${twilio.apiBase}/`;
    lines.push(`  phones:    open ${phonesUrl} to answer the demo user's phone ${DEMO_USER.phone} and see Verify codes`);
    for (const login of demo.logIns) lines.push(`  ${`${login.label}:`.padEnd(11)} ${login.email} / ${login.password}${demo.seeded ? ' (just created)' : ''}`);
  } else {
    lines.push('  telephony: Twilio');
  }
  if (stripe.api) {
    lines.push(`  payments:  Stripe simulator at ${stripe.api.protocol}://${stripe.api.host}:${stripe.api.port} (no STRIPE_SECRET_KEY); pay with test card 4242 4242 4242 4242`);
  } else {
    lines.push(`  payments:  Stripe; webhook endpoint ${config.publicUrl}/webhooks/stripe`);
  }
  if (!config.simulate) {
    if (demo.switchedOff > 0) lines.push('  demo accounts: switched off (real Twilio credentials are configured); they can no longer log in');
  }
  console.log(lines.join('\n'));
}

/** Stop accepting, let running requests finish, then release jobs and the database; a second signal forces exit. */
function installShutdown(server: Server, release: () => Promise<void>, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Long-lived connections (Agendash's event stream, slow uploads) get 2 seconds, then are cut.
    await closeServer(server, 2_000);
    await release();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  // A port already in use (ours or the simulator's) is one line a person can act on, not a stack trace.
  if (err instanceof ListenError) console.error(`callbridge cannot start: ${err.message}`);
  else if ((err as { code?: string })?.code === 'EADDRINUSE') console.error(`callbridge cannot start: a simulator's port ${String((err as { port?: number }).port ?? '')} is already in use (Twilio's is SIM_PORT, Stripe's STRIPE_SIM_PORT). Stop what uses it, or set that variable to a free port.`);
  else console.error('callbridge failed to start:', err);
  process.exit(1);
});
