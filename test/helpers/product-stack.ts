import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type twilio from 'twilio';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import type { JobScheduler, JobSchedulerOptions } from '../../src/jobs/scheduler.js';
import { composeServices } from '../../src/services.js';
import type { RunningSimulator } from '../../src/sim/simulator.js';
import { createTestDb, type TestDb } from './db.js';
import type { RunningStripeSimulator } from '../../src/sim/stripe/simulator.js';
import { localListenerTargets, TEST_SESSION_SECRET } from './app.js';
import { postgresStore, type StoreUnderTest } from '../jobs/helpers/backends.js';

export interface ProductStack {
  sim: RunningSimulator;
  testDb: TestDb;
  built: BuiltApp;
  jobs: JobScheduler;
  baseUrl: string;
  /** The Stripe simulator, when started with `stripe: true`. */
  stripe: RunningStripeSimulator | undefined;
  /** RECORDINGS_DIR: a fresh temporary folder, removed by close(). */
  recordingsDir: string;
  close(): Promise<void>;
}

export interface ProductStackOptions {
  clock: Clock;
  /** Simulated seconds per real second. */
  speed: number;
  /** Extra environment for loadConfig (e.g. CONFIRM_ANSWER). */
  env?: Record<string, string>;
  /** The simulator prices calls from this deck (its cost column). */
  simRateDeckFile?: string;
  /** Serve the simulator's handset page at /phones, as main.ts does in simulation mode. */
  phones?: boolean;
  /** Replaces the twilio SDK's HTTP client (to lose a response on the way back, say). */
  httpClient?: InstanceType<typeof twilio.RequestClient>;
  /** How long a status poll waits for a change before its 204 (default 500 ms, so an unchanged poll ends soon). */
  statusWaitMs?: number;
  /** Email retry backoff (tests retry in milliseconds). */
  emailBackoff?: JobSchedulerOptions['emailBackoff'];
  /** Card top-ups through the Stripe simulator (its checkout page served by the app, its events to the app's webhook). */
  stripe?: boolean;
  /** Recording download retry backoff (tests retry in milliseconds). */
  recordingBackoff?: JobSchedulerOptions['recordingBackoff'];
}

/**
 * The product as src/main.ts composes it, on ephemeral ports: the app with PUBLIC_URL pointing at itself (so the
 * simulator's signed webhooks reach it and validate), the in-process Twilio simulator through the real twilio SDK,
 * and a real Agenda scheduler on the test database (the official Postgres backend on PostgreSQL), started.
 */
export async function startProductStack(options: ProductStackOptions): Promise<ProductStack> {
  const testDb = await createTestDb();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const recordingsDir = mkdtempSync(join(tmpdir(), 'callbridge-recordings-'));
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: baseUrl, STATUS_WAIT_MS: String(options.statusWaitMs ?? 500), RECORDINGS_DIR: recordingsDir, ...options.env });
  const logger = pino({ level: process.env.CALLS_TEST_LOG ?? 'silent' });
  const pgStore: StoreUnderTest | undefined = testDb.engine === 'postgres' ? await postgresStore.create() : undefined;
  const services = await composeServices(config, {
    db: testDb.db, clock: options.clock, logger, sessionSecret: TEST_SESSION_SECRET, hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }),
    webhookTargets: localListenerTargets(),
    simulator: { port: 0, speed: options.speed, rateDeckFile: options.simRateDeckFile ?? false },
    ...(options.httpClient ? { twilioHttpClient: options.httpClient } : {}),
    phonesPage: options.phones ? undefined : false,
    stripe: options.stripe ? { port: 0, speed: options.speed } : false,
    jobs: {
      processEvery: 100, recurring: false, ...(options.emailBackoff ? { emailBackoff: options.emailBackoff } : {}), ...(options.recordingBackoff ? { recordingBackoff: options.recordingBackoff } : {}),
      ...(pgStore ? { backend: pgStore.createBackend() } : {}),
    },
  });
  const built = buildApp(services);
  server.on('request', built.app);
  // composeServices attaches the outbox to the simulator's GET /control/emails, as in simulation mode.
  const jobs = services.jobs!;
  const sim = services.simulator!;
  const stripe = services.payments?.setup.simulator;
  await jobs.start();
  return {
    sim, testDb, built, jobs, baseUrl, stripe, recordingsDir,
    async close() {
      await sim.control.waitForIdle(5_000).catch(() => undefined);
      // As main.ts's shutdown does: waiting status polls are answered before the connections go.
      await services.calls.changes.close();
      await stripe?.waitForDeliveries(5_000).catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close({ jobsTimeoutMs: 2_000 });
      await pgStore?.destroy();
      await testDb.destroy();
      rmSync(recordingsDir, { recursive: true, force: true });
    },
  };
}
