import { existsSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { buildApp, PHONES_PATH } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createDb, migrateToLatest } from './db/database.js';
import { getOrCreateSetting, randomSecret } from './db/settings.js';
import { DEMO_ADMIN, DEMO_USER, seedDemoAccounts } from './demo/seed.js';
import { createLogger } from './logger.js';
import { join } from 'node:path';
import { dataDir, projectRoot } from './paths.js';
import { seedRatesIfEmpty } from './rates/rate-deck-service.js';
import { resolveTwilioSetup, type TwilioSetup } from './sim/embedded.js';
import { createTelephony } from './telephony/telephony.js';
import { systemClock } from './clock.js';
import { DatabaseRateLimitStore } from './http/rate-limit-store.js';
import { appJobHandlers } from './jobs/handlers.js';
import { createJobScheduler } from './jobs/scheduler.js';
import { moneyServices } from './wallet/money-services.js';
import { AppMetrics } from './metrics/metrics.js';
import { metricsSources } from './metrics/metrics-repository.js';
import { usersRepository } from './accounts/users-repository.js';
import { createCallsService, type CallsService } from './calls/calls-service.js';

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
  const logger = createLogger(config.logLevel);
  const db = createDb(config.database);
  await migrateToLatest(db);
  const sessionSecret = config.sessionSecret ?? (await getOrCreateSetting(db, 'session_secret', randomSecret));
  const twilioSetup = await resolveTwilioSetup(config, logger);
  const metrics = new AppMetrics(metricsSources(db));
  const telephony = createTelephony(twilioSetup, { observeRequest: metrics.twilioObserver });
  const money = moneyServices({ db, clock: systemClock, money: config.money });
  const users = usersRepository(db);
  // The calls service schedules hangup jobs and the jobs call back into it: each is handed the other in turn.
  let calls: CallsService | undefined;
  const jobs = createJobScheduler({ config, db, logger: logger.child({ component: 'jobs' }), handlers: appJobHandlers({ calls: () => calls!, money, logger }) });
  calls = createCallsService({ db, clock: systemClock, logger: logger.child({ component: 'calls' }), money, users, telephony, hangups: jobs, config });
  const phones = twilioSetup.simulator?.phonesPage;
  const { app, services, sessionStore } = buildApp({ config, db, logger, sessionSecret, telephony, money, jobs, calls, metrics, ...(phones ? { phones } : {}) });

  if (config.admin) {
    const { created } = await services.accounts.ensureAdmin(config.admin.email, config.admin.password);
    logger.info({ email: config.admin.email }, created ? 'admin account created from ADMIN_EMAIL' : 'ADMIN_EMAIL account is an admin');
  }
  const demo = config.simulate ? await seedDemoAccounts(services) : { created: false };
  const seededRates = await seedRatesIfEmpty(db, join(dataDir, 'rates.csv'), services.clock);
  if (seededRates > 0) logger.info({ rates: seededRates }, 'imported the sample rate deck (data/rates.csv) into the empty rates table');
  await services.money.rates.reload();
  await jobs.start();

  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  const pruneTimer = setInterval(() => {
    void sessionStore.prune().catch((err) => logger.warn({ err }, 'session prune failed'));
    void DatabaseRateLimitStore.prune(db, systemClock).catch((err) => logger.warn({ err }, 'rate limit prune failed'));
  }, 3600_000);
  pruneTimer.unref();

  announce(config, twilioSetup, demo.created, performance.now() - started);
  installShutdown(server, async () => {
    clearInterval(pruneTimer);
    await jobs.stop();
    await twilioSetup.simulator?.close();
    await db.destroy();
  }, logger);
}

function announce(config: Config, twilio: TwilioSetup, seeded: boolean, startupMs: number): void {
  const lines = [`callbridge is running at ${config.publicUrl} (started in ${Math.round(startupMs)} ms)`];
  lines.push(`  database: ${config.database.client === 'sqlite' ? config.database.file : 'PostgreSQL'}`);
  if (config.simulate) {
    lines.push(`  telephony: Twilio simulator at ${twilio.apiBase} (no Twilio credentials configured)`);
    // The in-process simulator's phones are also served by the app itself, so one published port is enough.
    const phonesUrl = twilio.simulator ? `${config.publicUrl}${PHONES_PATH}` : `${twilio.apiBase}/`;
    lines.push(`  phones:    open ${phonesUrl} to answer the demo user's phone ${DEMO_USER.phone} and see Verify codes`);
    lines.push(`  demo user:  ${DEMO_USER.email} / ${DEMO_USER.password}${seeded ? ' (just created)' : ''}`);
    lines.push(`  demo admin: ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`);
  } else {
    lines.push('  telephony: Twilio');
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
    server.close();
    server.closeIdleConnections();
    await once(server, 'close').catch(() => undefined);
    await release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error('callbridge failed to start:', err);
  process.exit(1);
});
