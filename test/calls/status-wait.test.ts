import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { composeServices, type ComposedServices } from '../../src/services.js';
import { TEST_SESSION_SECRET } from '../helpers/app.js';
import { statementsDuring } from '../helpers/statements.js';
import { startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';

/** The status poll as a long poll: it waits for the call's next change, costs no reads while waiting, ends on time. */
let h: CallHarness;
let other: (BuiltApp & { services: ComposedServices }) | undefined;
afterEach(async () => {
  // Closes its change feed and LISTEN connection; the database stays (the harness owns it).
  await other?.services.close();
  other = undefined;
  await h.close();
});

/** A call ringing the user's phone, which nobody answers (it rings for 35 simulated seconds: minutes at speed 0.1). */
async function ringingCall(statusWaitMs: number): Promise<string> {
  h = await startCallHarness({ speed: 0.1, statusWaitMs });
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
  const { id } = await startCall(h);
  // Ringing reported too: no webhook of this call's set-up is still on its way while a test counts reads.
  await h.waitForCall(id!, (c) => c.status === 'calling' && c.ringingAt !== null);
  return id!;
}

const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
};

describe('the long-polled status', () => {
  it('answers 204 once the wait limit passes with nothing new, and reads the database once, before waiting', async () => {
    const id = await ringingCall(300);
    let answer!: request.Response;
    const statements = await statementsDuring(h.testDb.db, async () => {
      const { value, ms } = await timed(() => h.agent.get(`/calls/${id}/status?seen=calling`));
      answer = value;
      expect(ms).toBeGreaterThanOrEqual(280);
      expect(ms).toBeLessThan(3_000);
    }, { prepared: true });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    // The job scheduler shares the database and polls it on its own timer: its statements are not the poll's.
    const ours = statements.filter((sql) => !/scheduled_job|agenda/i.test(sql));
    expect(ours.filter((sql) => /from .?calls.?/i.test(sql))).toHaveLength(1);
    expect(ours.find((sql) => /from .?calls.?/i.test(sql))).toMatch(/from .?calls.? inner join .?sessions.?/i);
    // Nothing is written by a poll.
    expect(ours.filter((sql) => /^\s*(insert|update|delete)/i.test(sql))).toEqual([]);
  });

  it('holds no read while it waits, however long: one before, none during', async () => {
    const id = await ringingCall(1_500);
    const statements = await statementsDuring(h.testDb.db, () => h.agent.get(`/calls/${id}/status?seen=calling`).expect(204), { prepared: true });
    expect(statements.filter((sql) => /from .?calls.?/i.test(sql))).toHaveLength(1);
  });

  it('answers a waiting request as soon as the call changes, with the new state', async () => {
    const id = await ringingCall(20_000);
    const waiting = timed(() => h.agent.get(`/calls/${id}/status?seen=calling`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.built.services.calls.changes.waiting).toBe(1);
    const hungUpAt = performance.now();
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf).expect(303);
    const { value: answer } = await waiting;
    expect(performance.now() - hungUpAt).toBeLessThan(1_500);
    expect(answer.status).toBe(200);
    expectPastCalling(answer.text);
    expect(h.built.services.calls.changes.waiting).toBe(0);
  });

  it('a poll showing an older state is answered at once', async () => {
    const id = await ringingCall(20_000);
    const { value, ms } = await timed(() => h.agent.get(`/calls/${id}/status?seen=starting`));
    expect(value.status).toBe(200);
    expect(value.text).toContain(`?seen=calling`);
    expect(ms).toBeLessThan(1_500);
  });

  it('shutdown answers every waiter promptly with 204', async () => {
    const id = await ringingCall(20_000);
    const waiters = [1, 2, 3].map(() => timed(() => h.agent.get(`/calls/${id}/status?seen=calling`)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.built.services.calls.changes.waiting).toBe(3);
    await h.built.services.calls.changes.close();
    for (const waiter of await Promise.all(waiters)) {
      expect(waiter.value.status).toBe(204);
      expect(waiter.ms).toBeLessThan(1_500);
    }
    // After the restart nothing is lost: the next request reads the state.
    const again = await h.agent.get(`/calls/${id}/status?seen=starting`);
    expect(again.text).toContain('Calling your phone');
  });

  it('a client that goes away stops waiting', async () => {
    const id = await ringingCall(20_000);
    const res = await fetch(`${h.baseUrl}/calls/${id}/status?seen=calling`, { headers: { cookie: cookieOf(h) }, signal: AbortSignal.timeout(300) }).catch((err: Error) => err);
    expect(res).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.built.services.calls.changes.waiting).toBe(0);
  });
});

/**
 * PostgreSQL: instances learn of each other's changes by LISTEN/NOTIFY. SQLite is one instance per database file
 * (in-process wakes only), so there is no second instance to hear from.
 */
describe.runIf(process.env.DATABASE_URL)('several instances (PostgreSQL)', () => {
  it('a change recorded on one instance wakes a waiter on another', async () => {
    const id = await ringingCall(20_000);
    // The waiter's instance: the same database and session secret, its own calls service and change feed.
    other = await secondInstance(20_000);
    let waiting!: ReturnType<typeof timed<request.Response>>;
    // One read before it waits, none while it waits (counted on the shared database, prepared statements included).
    const statements = await statementsDuring(h.testDb.db, async () => {
      waiting = timed(() => request(other!.app).get(`/calls/${id}/status?seen=calling`).set('Cookie', cookieOf(h)));
      await waitUntil(() => other!.services.calls.changes.waiting === 1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }, { prepared: true });
    expect(statements.filter((sql) => /from .?calls.? inner join/i.test(sql))).toHaveLength(1);
    const hungUpAt = performance.now();
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf).expect(303);
    const { value: answer } = await waiting;
    expect(performance.now() - hungUpAt).toBeLessThan(1_500);
    expect(answer.status).toBe(200);
    expectPastCalling(answer.text);
  });

  it('the listener reconnects after its connection drops, and its waiters read again', async () => {
    const id = await ringingCall(20_000);
    other = await secondInstance(20_000);
    const first = request(other.app).get(`/calls/${id}/status?seen=calling`).set('Cookie', cookieOf(h));
    const firstDone = first.then((res) => res);
    await waitUntil(() => other!.services.calls.changes.waiting === 1);
    await h.testDb.db.raw(`select pg_terminate_backend(pid) from pg_stat_activity where query like 'LISTEN callbridge_call_changes%' and datname = current_database() and pid <> pg_backend_pid()`);
    // Woken to read again after the reconnect; nothing changed, so it waits on.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await waitUntil(() => other!.services.calls.changes.waiting === 1);
    const hungUpAt = performance.now();
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf).expect(303);
    const answer = await firstDone;
    expect(performance.now() - hungUpAt).toBeLessThan(1_500);
    expect(answer.status).toBe(200);
  });
});

/** Another instance on the same database and session secret: its own calls service, change feed and listener. */
async function secondInstance(statusWaitMs: number): Promise<BuiltApp & { services: ComposedServices }> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PUBLIC_URL: h.baseUrl, STATUS_WAIT_MS: String(statusWaitMs) });
  const services = await composeServices(config, {
    db: h.testDb.db, sessionSecret: TEST_SESSION_SECRET, logger: createLogger('silent'), telephony: null, jobs: null, phonesPage: false, stripe: false,
  });
  return { ...buildApp(services), services };
}

function cookieOf(harness: CallHarness): string {
  const cookies = harness.agent.jar.getCookies({ domain: new URL(harness.baseUrl).hostname, path: '/', secure: false, script: false });
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The hang-up moves the call on from "calling": the waiter may read it while it is still being ended, once it is
 * cancelled, or (when the reader comes late, e.g. after a NOTIFY on a loaded machine) once its outcome is written.
 */
function expectPastCalling(fragment: string): void {
  expect(fragment).toMatch(/<h2 class="call-headline">(Hanging up|Call cancelled|You hung up)<\/h2>/);
}
