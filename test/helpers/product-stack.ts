import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type twilio from 'twilio';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { argon2Hasher } from '../../src/accounts/passwords.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { appJobHandlers } from '../../src/jobs/handlers.js';
import { createJobScheduler, type JobScheduler } from '../../src/jobs/scheduler.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { createTelephony } from '../../src/telephony/telephony.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { moneyServices } from '../../src/wallet/money-services.js';
import { createTestDb, type TestDb } from './db.js';
import { createPayments } from '../../src/payments/payments.js';
import { STRIPE_CHECKOUT_PATH, startStripeSimulator, type RunningStripeSimulator } from '../../src/sim/stripe/simulator.js';
import { STRIPE_WEBHOOK_PATH } from '../../src/sim/stripe/embedded.js';
import { postgresStore, type StoreUnderTest } from '../jobs/helpers/backends.js';

export interface ProductStack {
  sim: RunningSimulator;
  testDb: TestDb;
  built: BuiltApp;
  jobs: JobScheduler;
  baseUrl: string;
  /** The Stripe simulator, when started with `stripe: true`. */
  stripe: RunningStripeSimulator | undefined;
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
  /** Card top-ups through the Stripe simulator (its checkout page served by the app, its events to the app's webhook). */
  stripe?: boolean;
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
    handlers: { ...appJobHandlers({ calls: () => built!.services.calls, money, logger }), deliverWebhook: async (id: number) => void (await built!.services.api.webhooks.attempt(id)) },
    ...(pgStore ? { backend: pgStore.createBackend() } : {}),
  });
  const stripe = options.stripe ? await startStripeSimulator({ port: 0, speed: options.speed, webhookUrl: `${baseUrl}${STRIPE_WEBHOOK_PATH}`, checkoutBaseUrl: `${baseUrl}${STRIPE_CHECKOUT_PATH}` }) : undefined;
  const payments = stripe ? createPayments({ config, db: testDb.db, clock: options.clock, logger, wallet: money.wallet.ctx, setup: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, api: { host: stripe.host, port: stripe.port, protocol: 'http' }, simulator: stripe } }) : undefined;
  built = buildApp({
    config, db: testDb.db, clock: options.clock, logger, sessionSecret: 'test-session-secret-that-is-long-enough',
    hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }), telephony, jobs, money,
    ...(options.phones ? { phones: sim.phonesPage } : {}),
    ...(payments ? { payments } : {}),
  });
  server.on('request', built.app);
  await jobs.start();
  const app = built;
  return {
    sim, testDb, built: app, jobs, baseUrl, stripe,
    async close() {
      await sim.control.waitForIdle(5_000).catch(() => undefined);
      await stripe?.waitForDeliveries(5_000).catch(() => undefined);
      await stripe?.close();
      await jobs.stop({ timeoutMs: 2_000 });
      await pgStore?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
      await testDb.destroy();
    },
  };
}
