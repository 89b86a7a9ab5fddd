import { accountOf } from '../../helpers/ledger.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { buildApp, type BuiltApp } from '../../../src/app.js';
import { argon2Hasher } from '../../../src/accounts/passwords.js';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logger.js';
import { composeServices } from '../../../src/services.js';
import type { RunningStripeSimulator } from '../../../src/sim/stripe/simulator.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { csrfTokenFrom, emailedLink, followConfirmLink, TEST_SESSION_SECRET } from '../../helpers/app.js';

export interface PaymentsStack {
  baseUrl: string;
  built: BuiltApp;
  stripe: RunningStripeSimulator;
  testDb: TestDb;
  close(): Promise<void>;
}

/**
 * The app listening on a real port (so the simulator's signed events reach /webhooks/stripe), the Stripe simulator
 * reached by the real stripe SDK, and card top-ups composed by composeServices, as main.ts does.
 * Retries are scaled down: a failed delivery is retried after 0.05 s, 0.2 s, 1 s and 2.5 s (all within waitForDeliveries'
 * 5 s), long enough for an event refused as early (503 while its refund's transaction is still open) to land later
 * on a loaded PostgreSQL.
 */
export async function startPaymentsStack(env: Record<string, string> = {}): Promise<PaymentsStack> {
  const testDb = await createTestDb();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: baseUrl, ...env });
  // As main.ts composes it, minus Twilio and jobs; the Stripe simulator in-process on a free port.
  const services = await composeServices(config, {
    db: testDb.db, logger: createLogger('silent'), sessionSecret: TEST_SESSION_SECRET, hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }),
    telephony: null, jobs: null, phonesPage: false,
    stripe: { port: 0, speed: 1000, retrySeconds: [50, 200, 1000, 2500] },
  });
  const simulator = services.payments?.setup.simulator;
  if (!simulator) throw new Error('composeServices started no Stripe simulator');
  const inbox = services.payments!.inbox;
  // The endpoint answers before the event is applied (the stripe.event work runs after): "delivered" means applied too.
  const stripe: RunningStripeSimulator = {
    ...simulator,
    async waitForDeliveries(timeoutMs) {
      await simulator.waitForDeliveries(timeoutMs);
      await inbox.settled(timeoutMs);
    },
  };
  const built = buildApp(services);
  server.on('request', built.app);
  return {
    baseUrl, built, stripe, testDb,
    async close() {
      await stripe.waitForDeliveries(5_000).catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      await testDb.destroy();
    },
  };
}

/** Signs up, confirms the address through the emailed link (which logs in) over HTTP; returns the agent and the user's id. */
export async function loggedInUser(stack: PaymentsStack, email: string): Promise<{ agent: TestAgent; userId: number; csrf: string }> {
  const agent = request.agent(stack.baseUrl);
  const form = await agent.get('/signup');
  await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Ada', email, password: 'correct horse battery' }).expect(303);
  // Only a confirmed address may pay.
  await followConfirmLink(agent, await emailedLink(stack.built, email, '/confirm-email')).then((res) => expect303(res.status));
  const wallet = await agent.get('/wallet').expect(200);
  const user = await stack.testDb.db('users').where({ email }).first('id');
  return { agent, userId: Number(user.id), csrf: csrfTokenFrom(wallet.text) };
}

/** POST /wallet/top-up and follow to the simulator's page; returns the session id and page path. */
export async function startTopUp(agent: TestAgent, csrf: string, amount: string): Promise<{ sessionId: string; pagePath: string }> {
  const res = await agent.post('/wallet/top-up').type('form').send({ _csrf: csrf, amount }).expect(303);
  const url = new URL(res.headers.location!);
  const sessionId = url.pathname.split('/').pop()!;
  return { sessionId, pagePath: url.pathname };
}

/** Pays on the simulator's hosted page as a browser would (same-origin form post). */
export function payOnPage(agent: TestAgent, pagePath: string, number: string) {
  return agent.post(`${pagePath}/pay`).set('Sec-Fetch-Site', 'same-origin').type('form').send({ number, exp_month: '12', exp_year: String(new Date().getUTCFullYear() + 2), cvc: '123' });
}

function expect303(status: number): void {
  if (status !== 303) throw new Error(`confirming the address answered ${status}`);
}

export async function balanceOf(stack: PaymentsStack, userId: number): Promise<number> {
  const row = await stack.testDb.db('wallets').where({ account_id: await accountOf(stack.testDb.db, userId) }).first('balance_micros');
  return Number(row?.balance_micros ?? 0);
}
