import http from 'node:http';
import { CookieAccessInfo } from 'cookiejar';
import knexFactory from 'knex';
import type { SessionData } from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { PREPARED_QUERY_EVENT } from '../../src/db/query-events.js';
import { DatabaseSessionStore } from '../../src/http/session-store.js';
import { SESSION_COOKIE } from '../../src/http/session-cookie.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { SESSION_READ, statementsDuring } from '../helpers/statements.js';
import { startCall, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';

/**
 * A click's session read starts as the request arrives (on PostgreSQL), so its round trip overlaps the ~1 ms of
 * middleware before express-session asks for it. express-session's get then takes that read instead of making one.
 */
const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

let testDb: TestDb | undefined;
let h: CallHarness | undefined;
afterEach(async () => {
  await testDb?.destroy();
  testDb = undefined;
  await h?.close();
  h = undefined;
});

const data = (userId: number): SessionData => ({ cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, userId }) as unknown as SessionData;

function get(store: DatabaseSessionStore, sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => store.get(sid, (err, session) => (err ? reject(err) : resolve(session))));
}

async function sessionReads(db: TestDb['db'], run: () => Promise<unknown>): Promise<number> {
  return (await statementsDuring(db, run, { prepared: true })).filter((sql) => SESSION_READ.test(sql)).length;
}

describe('a session read started early', () => {
  it('is taken by the get for its sid, once; another sid, or a second get, reads for itself', async () => {
    testDb = await createTestDb();
    const store = new DatabaseSessionStore(testDb.db, new ManualClock(new Date()));
    await new Promise<void>((resolve, reject) => store.set('sid-a', data(7), (err) => (err ? reject(err) : resolve())));
    await new Promise<void>((resolve, reject) => store.set('sid-b', data(8), (err) => (err ? reject(err) : resolve())));

    let seen: Array<SessionData | null | undefined> = [];
    const reads = await sessionReads(testDb.db, () => new Promise<void>((resolve, reject) => {
      store.readEarly('sid-a', () => {
        Promise.all([get(store, 'sid-a')]).then(async ([a]) => {
          seen = [a, await get(store, 'sid-b'), await get(store, 'sid-a')];
          resolve();
        }, reject);
      });
    }));
    expect(seen.map((s) => (s as { userId?: number } | null | undefined)?.userId)).toEqual([7, 8, 7]);
    // The early read, then sid-b's own, then the second get of sid-a's own: never one read served twice.
    expect(reads).toBe(3);
  });

  it('that fails is reported to the get that takes it, and to nobody if no get comes', async () => {
    // No migrations: the sessions table does not exist, so every read fails.
    const bare = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    try {
      const store = new DatabaseSessionStore(bare, new ManualClock(new Date()));
      // No get at all: an unhandled rejection here would fail the test run.
      store.readEarly('nobody-asks', () => undefined);
      const failure = await new Promise<unknown>((resolve) => store.readEarly('sid', () => store.get('sid', (err) => resolve(err))));
      expect(String(failure)).toMatch(/no such table: sessions/);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await bare.destroy();
    }
  });
});

describe('a click on PostgreSQL', () => {
  it.runIf(postgres)('starts its session read before its body has arrived, and places the call once the body comes', async () => {
    h = await startCallHarness();
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    await startCall(h); // warm: the first click loads modules and prepares statements
    await h.testDb.db('calls').update({ live_user_id: null });
    // The warm-up call's hold took the whole available credit: the measured click needs credit of its own.
    await h.built.services.money.wallet.credit(h.userId, { kind: 'grant', amountMicros: 5_000_000, description: 'Credit for the measured click' });
    const cookie = (h.agent as unknown as { jar: { getCookie(name: string, access: unknown): { name: string; value: string } | undefined } }).jar.getCookie(SESSION_COOKIE, CookieAccessInfo.All);
    expect(cookie, 'the harness is logged in').toBeDefined();

    const body = `to=${encodeURIComponent('+15005559001')}`;
    let readsBeforeBody = 0;
    // The session read is a prepared statement: knex reports it with this event, not 'query'.
    const counting = (sql: string) => SESSION_READ.test(sql) && readsBeforeBody++;
    h.testDb.db.on(PREPARED_QUERY_EVENT, counting);
    const { port } = new URL(h.baseUrl);
    const req = http.request({
      host: '127.0.0.1', port: Number(port), method: 'POST', path: '/calls',
      headers: { cookie: `${cookie!.name}=${cookie!.value}`, 'x-csrf-token': h.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    req.flushHeaders();
    const deadline = Date.now() + 5_000;
    while (readsBeforeBody === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    h.testDb.db.off(PREPARED_QUERY_EVENT, counting);
    expect(readsBeforeBody, 'the session read went out with only the headers received').toBe(1);

    req.end(body);
    const { status, text } = await response;
    expect(status, text).toBe(200);
    expect(text).toMatch(/id="call-cl_[a-z2-7]{20}"/);
  });
});
