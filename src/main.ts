import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildApp, PHONES_PATH } from './app.js';
import { ConfigError, loadConfig, startupWarnings, type Config } from './config/config.js';
import { DEMO_USER, demoExposure, seedDemoAccounts, switchOffDemoAccounts, workingDemoLogIns } from './demo/seed.js';
import { closeServer, listen, ListenError } from './http/server-lifecycle.js';
import { trimMemoryWhenIdle } from './idle-memory.js';
import { createLogger } from './logger.js';
import { dataDir, projectRoot } from './paths.js';
import { composeServices, type Services } from './services.js';

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
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const exposure = demoExposure(config);
  if (exposure === 'refuse') {
    console.error(
      `callbridge cannot start: simulation mode (no Twilio credentials) on HOST=${config.host} would publish the demo accounts and the phones page to the network. Listen on 127.0.0.1 (unset HOST), or set DEMO_PUBLIC=true for a public demo with generated passwords.`,
    );
    process.exit(78);
  }
  const services = await composeServices(config, { logger });
  const { app, sessionStore } = buildApp(services);

  if (config.admin) {
    const { created } = await services.accounts.ensureAdmin(config.admin.email, config.admin.password);
    logger.info({ email: config.admin.email }, created ? 'admin account created from ADMIN_EMAIL' : 'ADMIN_EMAIL account is an admin');
  }
  const demo = config.simulate ? await seedDemoAccounts(services, { publicDemo: exposure === 'public-demo' }) : { created: false, generated: [] };
  // A public demo prints only the passwords generated at this start, once; on loopback the published ones that work.
  const demoLogIns = exposure === 'public-demo' ? demo.generated : config.simulate ? await workingDemoLogIns(services) : [];
  const switchedOffDemos = config.simulate ? 0 : await switchOffDemoAccounts(services);
  const seededRates = await services.seedRatesIfEmpty(join(dataDir, 'rates.csv'));
  if (seededRates > 0) logger.info({ rates: seededRates }, 'imported the sample rate deck (data/rates.csv) into the empty rates table');
  await services.money.rates.reload();
  await services.jobs?.start();

  let server: Server;
  try {
    server = await listen(app, config.port, config.host);
  } catch (err) {
    await services.close();
    throw err;
  }
  const pruneTimer = setInterval(() => {
    void sessionStore.prune().catch((err) => logger.warn({ err }, 'session prune failed'));
    void services.counters.prune().catch((err) => logger.warn({ err }, 'attempt counter prune failed'));
    void services.contacts.pruneExpiredImports().catch((err) => logger.warn({ err }, 'contact import preview prune failed'));
  }, 3600_000);
  pruneTimer.unref();
  const idleTrim = trimMemoryWhenIdle();
  if (!idleTrim) logger.debug('no --expose-gc and no native/malloc-trim: memory freed in busy spells is returned only as V8 and glibc see fit');

  // Waiting status polls are answered first (204, and the page asks the next instance), so closing the server does not wait out their long polls.
  installShutdown(server, () => services.calls.changes.close(), async () => {
    clearInterval(pruneTimer);
    idleTrim?.stop();
    await services.close();
    logger.info('jobs, simulator and database stopped');
  }, logger);
  // Announced only once a signal stops us cleanly: a supervisor that reads "listening" and at once sends SIGTERM
  // otherwise killed the process before its handler existed (CI, under load: the test saw signal SIGTERM, code null).
  announce(config, (server.address() as AddressInfo).port, services, { seeded: demo.created, logIns: demoLogIns, switchedOff: switchedOffDemos }, performance.now() - started);
}

interface DemoStatus {
  seeded: boolean;
  logIns: Array<{ label: string; email: string; password: string }>;
  switchedOff: number;
}

function announce(config: Config, port: number, services: Pick<Services, 'telephony' | 'simulator' | 'payments'>, demo: DemoStatus, startupMs: number): void {
  const lines = [`callbridge is running at ${config.publicUrl} (started in ${Math.round(startupMs)} ms, listening on ${config.host}:${port})`];
  lines.push(`  database: ${config.database.client === 'sqlite' ? config.database.file : 'PostgreSQL'}`);
  if (config.simulate) {
    const simulatorUrl = services.simulator?.url ?? config.twilio.apiBase;
    lines.push(`  telephony: Twilio simulator at ${simulatorUrl} (no Twilio credentials configured)`);
    // The in-process simulator's phones are also served by the app itself, so one published port is enough.
    const phonesUrl = services.simulator ? `${config.publicUrl}${PHONES_PATH}` : `${simulatorUrl}/`;
    lines.push(`  phones:    open ${phonesUrl} to answer the demo user's phone ${DEMO_USER.phone} and see Verify codes`);
    if (!config.email.smtpUrl) lines.push(`  email:     no SMTP_URL: every email goes to ${config.publicUrl}/outbox${services.simulator ? ` (JSON: ${services.simulator.url}/control/emails)` : ''}`);
    for (const login of demo.logIns) lines.push(`  ${`${login.label}:`.padEnd(11)} ${login.email} / ${login.password}${demo.seeded ? ' (just created)' : ''}${config.demoPublic ? ' (generated: shown only now)' : ''}`);
  } else {
    lines.push('  telephony: Twilio');
    lines.push(config.email.smtpUrl ? `  email:     SMTP (${new URL(config.email.smtpUrl).host}) from ${config.email.from}` : '  email:     no SMTP_URL: emails are kept in the outbox table only (admins: /admin/emails); set SMTP_URL to send them');
  }
  const stripe = services.payments?.setup;
  if (stripe?.api) {
    lines.push(`  payments:  Stripe simulator at ${stripe.api.protocol}://${stripe.api.host}:${stripe.api.port} (no STRIPE_SECRET_KEY); pay with test card 4242 4242 4242 4242`);
  } else if (stripe) {
    lines.push(`  payments:  Stripe; webhook endpoint ${config.publicUrl}/webhooks/stripe`);
  }
  if (!config.simulate) {
    if (demo.switchedOff > 0) lines.push('  demo accounts: switched off (real Twilio credentials are configured); they can no longer log in');
  }
  console.log(lines.join('\n'));
}

/** Stop accepting, let running requests finish, then release jobs and the database; a second signal forces exit. */
function installShutdown(server: Server, answerWaiters: () => Promise<void>, release: () => Promise<void>, logger: ReturnType<typeof createLogger>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Long-lived connections (Agendash's event stream, slow uploads) get 2 seconds, then are cut.
    const closing = closeServer(server, 2_000);
    await answerWaiters();
    await closing;
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
