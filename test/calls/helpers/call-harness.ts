import twilio from 'twilio';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import type { Clock } from '../../../src/clock.js';
import type { CallRecord } from '../../../src/calls/calls-repository.js';
import { callsRepository } from '../../../src/calls/calls-repository.js';
import type { BuiltApp } from '../../../src/app.js';
import type { JobScheduler } from '../../../src/jobs/scheduler.js';
import type { RunningSimulator } from '../../../src/sim/simulator.js';
import type { RunningStripeSimulator } from '../../../src/sim/stripe/simulator.js';
import { emailedLink, csrfTokenFrom, followConfirmLink } from '../../helpers/app.js';
import type { TestDb } from '../../helpers/db.js';
import { startProductStack, type ProductStackOptions } from '../../helpers/product-stack.js';

export const USER_PHONE = '+12015550123';
export const DESTINATION = '+442079460958';
export const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';
/** First leg 0.01/min (costs us 0.005), destination 0.10/min (costs us 0.05), per started minute. */
export const DECK = [HEADER, 'US,United States,1,United States,0.01,0.005,60,60,0,0,true', 'GB,United Kingdom,44,United Kingdom,0.10,0.05,60,60,0,0,true'].join('\n');

/** Real time, moved forward by hand when a test needs "later" (reconciliation looks only at overdue calls). */
export class ShiftableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface CallHarness {
  sim: RunningSimulator;
  /** The Stripe simulator, with `stripe: true`. */
  stripe: RunningStripeSimulator | undefined;
  testDb: TestDb;
  built: BuiltApp;
  jobs: JobScheduler;
  clock: ShiftableClock;
  baseUrl: string;
  recordingsDir: string;
  userId: number;
  /** The user's log-in. */
  email: string;
  password: string;
  agent: TestAgent;
  csrf: string;
  /** Reads the call straight from the database. */
  call(id: string): Promise<CallRecord>;
  waitForCall(id: string, condition: (call: CallRecord) => boolean, timeoutMs?: number): Promise<CallRecord>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  creditMicros?: number;
  confirmAnswer?: boolean;
  speed?: number;
  /** The rate deck (CSV in DECK's columns); default DECK. */
  deck?: string;
  /** Replaces the twilio SDK's HTTP client (to lose a response on the way back, say). */
  httpClient?: InstanceType<typeof twilio.RequestClient>;
  /** How long a status poll waits for a change (see ProductStackOptions). */
  statusWaitMs?: number;
  /** Recording download retry backoff (see ProductStackOptions). */
  recordingBackoff?: ProductStackOptions['recordingBackoff'];
  /** Also card payments, with the Stripe simulator in-process (the harness's `stripe`). */
  stripe?: boolean;
}

/**
 * The whole product on an ephemeral port: the app (PUBLIC_URL pointing at itself, so the simulator's signed
 * webhooks reach it), the real Twilio simulator through the real twilio SDK, and a real Agenda scheduler.
 */
export async function startCallHarness(options: HarnessOptions = {}): Promise<CallHarness> {
  const clock = new ShiftableClock();
  const stack = await startProductStack({
    clock,
    speed: options.speed ?? 1000,
    env: { CONFIRM_ANSWER: String(options.confirmAnswer ?? false) },
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.statusWaitMs ? { statusWaitMs: options.statusWaitMs } : {}),
    ...(options.recordingBackoff ? { recordingBackoff: options.recordingBackoff } : {}),
    ...(options.stripe ? { stripe: true } : {}),
  });
  const { sim, testDb, built, jobs, baseUrl, recordingsDir } = stack;
  await built.services.money.rates.importDeck({ text: options.deck ?? DECK });

  const agent = request.agent(baseUrl);
  const form = await agent.get('/signup');
  const email = `caller-${Math.random().toString(36).slice(2)}@example.com`;
  const signup = await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Caller', email, password: 'correct horse battery' });
  if (signup.status !== 303) throw new Error(`sign-up failed: ${signup.status}`);
  // The emailed confirmation link logs in (an unconfirmed account could not call).
  const confirmLink = await emailedLink(built, email, '/confirm-email');
  const confirmed = await followConfirmLink(agent, confirmLink);
  if (confirmed.status !== 303) throw new Error(`confirming the address failed: ${confirmed.status}`);
  const user = await testDb.db('users').where({ email }).first<{ id: number }>('id');
  const userId = Number(user!.id);
  await testDb.db('users').where({ id: userId }).update({ phone_e164: USER_PHONE, phone_verified_at: new Date().toISOString() });
  await built.services.money.wallet.credit(userId, { kind: 'grant', amountMicros: options.creditMicros ?? 5_000_000, description: 'Test credit' });
  const csrf = csrfTokenFrom((await agent.get('/account')).text);
  const repo = callsRepository(testDb.db);

  return {
    sim, stripe: stack.stripe, testDb, built, jobs, clock, baseUrl, recordingsDir, userId, agent, csrf, email, password: 'correct horse battery',
    async call(id) {
      const call = await repo.find(id);
      if (!call) throw new Error(`no call ${id}`);
      return call;
    },
    async waitForCall(id, condition, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const call = await repo.find(id);
        if (call && condition(call)) return call;
        if (Date.now() > deadline) throw new Error(`call ${id} did not reach the expected state; last: ${JSON.stringify(call)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => stack.close(),
  };
}

/** POST /calls as the dial page's htmx form does; returns the call id from the status fragment. */
export async function startCall(h: CallHarness, to = DESTINATION, extra: Record<string, string> = {}) {
  const res = await h.agent.post('/calls').set('HX-Request', 'true').set('X-CSRF-Token', h.csrf).type('form').send({ to, ...extra });
  const id = /id="call-(cl_[a-z2-7]{20})"/.exec(res.text)?.[1];
  return { res, id };
}
