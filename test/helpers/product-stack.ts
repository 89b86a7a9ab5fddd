import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type twilio from 'twilio';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { appJobHandlers } from '../../src/jobs/handlers.js';
import { createJobScheduler, type JobScheduler, type JobSchedulerOptions } from '../../src/jobs/scheduler.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { createTelephony } from '../../src/telephony/telephony.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { moneyServices } from '../../src/wallet/money-services.js';
import { createTestDb, type TestDb } from './db.js';
import { postgresStore, type StoreUnderTest } from '../jobs/helpers/backends.js';

export interface ProductStack {
  sim: RunningSimulator;
  testDb: TestDb;
  built: BuiltApp;
  jobs: JobScheduler;
  baseUrl: string;
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
  /** Email retry backoff (tests retry in milliseconds). */
  emailBackoff?: JobSchedulerOptions['emailBackoff'];
}

/**
 * The product as src/main.ts wires it, on ephemeral ports: the app with PUBLIC_URL pointing at itself (so the
 * simulator's signed webhooks reach it and validate), the real Twilio simulator through the real twilio SDK, and a
 * real Agenda scheduler on the test database (the official Postgres backend on PostgreSQL), started.
 */
export async function startProductStack(options: ProductStackOptions): Promise<ProductStack> {
  const sim = await startSimulator({ port: 0, speed: options.speed, ...(options.simRateDeckFile ? { rateDeckFile: options.simRateDeckFile } : {}) });
  const testDb = await createTestDb();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: baseUrl, ...options.env });
  const logger = pino({ level: process.env.CALLS_TEST_LOG ?? 'silent' });
  const setup = { accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url, callerId: sim.callerId, verifyServiceSid: sim.verifyServiceSid, simulator: undefined };
  const telephony = createTelephony(setup);
  if (options.httpClient) telephony.client = createTwilioClient({ ...setup, httpClient: options.httpClient });
  const money = moneyServices({ db: testDb.db, clock: options.clock, money: config.money });
  const pgStore: StoreUnderTest | undefined = testDb.engine === 'postgres' ? await postgresStore.create() : undefined;
  let built: BuiltApp | undefined;
  const jobs = createJobScheduler({
    config, db: testDb.db, logger, clock: options.clock, processEvery: 100, recurring: false,
    // The API's call.completed webhooks are delivered by a job too: the same handler main.ts registers.
    handlers: {
      ...appJobHandlers({ calls: () => built!.services.calls, money, logger }),
      deliverWebhook: async (id: number) => void (await built!.services.api.webhooks.attempt(id)),
      sendEmail: (id: number) => built!.services.email.sendEmail(id),
    },
    ...(options.emailBackoff ? { emailBackoff: options.emailBackoff } : {}),
    ...(pgStore ? { backend: pgStore.createBackend() } : {}),
  });
  built = buildApp({
    config, db: testDb.db, clock: options.clock, logger, sessionSecret: 'test-session-secret-that-is-long-enough',
    hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }), telephony, jobs, money,
    ...(options.phones ? { phones: sim.phonesPage } : {}),
  });
  server.on('request', built.app);
  // As main.ts does in simulation mode: the simulator serves the outbox at GET /control/emails.
  if (built.services.email.usesOutbox) sim.control.attachEmails((to) => built!.services.email.outboxJson(to));
  await jobs.start();
  const app = built;
  return {
    sim, testDb, built: app, jobs, baseUrl,
    async close() {
      await sim.control.waitForIdle(5_000).catch(() => undefined);
      await jobs.stop({ timeoutMs: 2_000 });
      await pgStore?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
      await testDb.destroy();
    },
  };
}
