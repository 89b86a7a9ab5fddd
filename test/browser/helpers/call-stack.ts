import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { buildApp, type BuiltApp } from '../../../src/app.js';
import { argon2Hasher } from '../../../src/accounts/passwords.js';
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config/config.js';
import { appJobHandlers } from '../../../src/jobs/handlers.js';
import { createJobScheduler, type JobScheduler } from '../../../src/jobs/scheduler.js';
import { dataDir } from '../../../src/paths.js';
import { seedRatesIfEmpty } from '../../../src/rates/rate-deck-service.js';
import { startSimulator, type RunningSimulator } from '../../../src/sim/simulator.js';
import { createTelephony } from '../../../src/telephony/telephony.js';
import { moneyServices } from '../../../src/wallet/money-services.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { postgresStore, type StoreUnderTest } from '../../jobs/helpers/backends.js';

/** A manual handset: it rings on /phones until someone answers it there. */
export const CALLER = { email: 'caller@example.com', password: 'a long enough password', phone: '+12015550123' } as const;
export const CALLER_CREDIT_MICROS = 5_000_000;

export interface CallStack {
  sim: RunningSimulator;
  testDb: TestDb;
  built: BuiltApp;
  base: string;
  userId: number;
  close(): Promise<void>;
}

/**
 * The product as src/main.ts wires it, on ephemeral ports: the app with the embedded simulator's phones page,
 * PUBLIC_URL set to the app's real URL (so the simulator's signed webhooks validate), a real Agenda scheduler on
 * the test database, the sample rate deck, and one user with a verified phone and credit.
 */
export async function startCallStack(): Promise<CallStack> {
  const sim = await startSimulator({ port: 0, speed: 1, rateDeckFile: join(dataDir, 'rates.csv') });
  const testDb = await createTestDb();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // CONFIRM_ANSWER is left at its default (on): the user presses 1 on the handset page.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: base });
  const logger = pino({ level: process.env.CALLS_TEST_LOG ?? 'silent' });
  const telephony = createTelephony({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url, callerId: sim.callerId, verifyServiceSid: sim.verifyServiceSid, simulator: undefined });
  const money = moneyServices({ db: testDb.db, clock: systemClock, money: config.money });
  const pgStore: StoreUnderTest | undefined = testDb.engine === 'postgres' ? await postgresStore.create() : undefined;
  let built: BuiltApp | undefined;
  const jobs: JobScheduler = createJobScheduler({
    config, db: testDb.db, logger, clock: systemClock, processEvery: 100, recurring: false,
    handlers: appJobHandlers({ calls: () => built!.services.calls, money, logger }),
    ...(pgStore ? { backend: pgStore.createBackend() } : {}),
  });
  const hasher = argon2Hasher({ memoryCost: 1024, timeCost: 1 });
  built = buildApp({ config, db: testDb.db, clock: systemClock, logger, sessionSecret: 'test-session-secret-that-is-long-enough', hasher, telephony, jobs, money, phones: sim.phonesPage });
  server.on('request', built.app);
  await seedRatesIfEmpty(testDb.db, join(dataDir, 'rates.csv'), systemClock);
  await built.services.money.rates.reload();
  await jobs.start();

  const now = new Date().toISOString();
  const user = await built.services.users.insert({ email: CALLER.email, name: 'Caller', passwordHash: await hasher.hash(CALLER.password), role: 'user', phoneE164: CALLER.phone, phoneVerifiedAt: now }, now);
  await built.services.money.wallet.credit(user.id, { kind: 'grant', amountMicros: CALLER_CREDIT_MICROS, description: 'Browser test credit' });

  const app = built;
  return {
    sim, testDb, built: app, base, userId: Number(user.id),
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
