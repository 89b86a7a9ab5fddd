import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { legCost } from '../../src/rating/leg-cost.js';
import { projectRoot } from '../../src/paths.js';
import { startSimulator, type RunningSimulator } from '../../src/sim/simulator.js';
import { callsRepository } from '../../src/calls/calls-repository.js';
import { createDb, migrateToLatest, type Db } from '../../src/db/database.js';
import { moneyServices } from '../../src/calls/money-services.js';
import { csrfTokenFrom } from '../helpers/app.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DECK, DESTINATION, USER_PHONE } from './helpers/call-harness.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 400_000; // a few minutes of talk: the call is cut at its credit limit

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface AppProcess {
  child: ChildProcess;
  ready: Promise<string>;
}

function startApp(env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/calls/fixtures/app-process.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', CONFIRM_ANSWER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready'));
      if (line) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`app process exited (${code}) before it was ready`)));
  });
  return { child, ready };
}

let sim: RunningSimulator | undefined;
let testDb: TestDb | undefined;
let sqliteDir: string | undefined;
let db: Db | undefined;
let jobsTable: string | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sim?.close();
  if (jobsTable && db) await db.raw(`DROP TABLE IF EXISTS public.${jobsTable}, public.${jobsTable}_logs CASCADE`);
  if (db && db !== testDb?.db) await db.destroy();
  await testDb?.destroy();
  if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
});

describe('a process killed mid-call', () => {
  it('restarts with the call still capped by Twilio and settles it exactly once from Twilio’s durations', { timeout: 90_000 }, async () => {
    sim = await startSimulator({ port: 0, speed: 50 });
    sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2 }); // never hangs up: only the limits end it
    const env: Record<string, string> = { TWILIO_API_BASE: sim.url };
    if (process.env.DATABASE_URL) {
      testDb = await createTestDb();
      db = testDb.db;
      env.DATABASE_URL = process.env.DATABASE_URL;
      env.PG_SEARCH_PATH = String((db.client.config as { searchPath?: string }).searchPath);
      // The jobs in a table of this test's own, kept across the restart (the hangup job must survive it).
      env.JOBS_TABLE = `agenda_jobs_kill_${Date.now().toString(36)}`;
      jobsTable = env.JOBS_TABLE;
    } else {
      sqliteDir = mkdtempSync(join(tmpdir(), 'callbridge-kill-'));
      env.SQLITE_FILE = join(sqliteDir, 'app.sqlite');
      db = createDb({ client: 'sqlite', file: env.SQLITE_FILE });
      await migrateToLatest(db);
    }
    const money = moneyServices({ db, clock: { now: () => new Date() }, money: { currency: 'USD', lowBalanceThresholdMicros: 0, freeMinutesPerMonth: 0 } });
    await money.rates.importDeck({ text: DECK });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    Object.assign(env, { PORT: String(port), PUBLIC_URL: base });

    const first = startApp(env);
    children.push(first.child);
    await first.ready;
    const agent = request.agent(base);
    const form = await agent.get('/signup');
    await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Kim', email: 'kim@example.com', password: 'correct horse battery' });
    const login = await agent.get('/login');
    await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'kim@example.com', password: 'correct horse battery' });
    const user = await db('users').where({ email: 'kim@example.com' }).first<{ id: number }>('id');
    const userId = Number(user!.id);
    await db('users').where({ id: userId }).update({ phone_e164: USER_PHONE, phone_verified_at: new Date().toISOString() });
    await money.wallet.credit(userId, { kind: 'grant', amountMicros: CREDIT, description: 'Test credit' });
    const csrf = csrfTokenFrom((await agent.get('/account')).text);
    const started = await agent.post('/calls').set('HX-Request', 'true').set('X-CSRF-Token', csrf).type('form').send({ to: DESTINATION });
    const id = /id="call-(cl_[a-z2-7]{20})"/.exec(started.text)![1]!;
    const repo = callsRepository(db);
    const waitFor = async (condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await repo.find(id))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    await waitFor(async () => (await repo.find(id))?.status === 'connected', 'the call to connect');

    // Killed while the call is up: no graceful shutdown, every webhook from now on finds nobody listening.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await sim.control.waitForIdle(30_000);
    const legs = sim.control.calls();
    const parent = legs.find((l) => l.to === USER_PHONE)!;
    const child = legs.find((l) => l.to === DESTINATION)!;
    const beforeRestart = (await repo.find(id))!;
    expect(beforeRestart.settledAt).toBeNull();
    // Capped while we were down: Twilio's own limit (<Dial timeLimit>) ended the talk exactly at the credit limit.
    expect(Number(child.duration)).toBe(beforeRestart.talkLimitS);

    // Restarted later: the first reconciliation pass finds the overdue call and settles it from Twilio's durations.
    const second = startApp({ ...env, CLOCK_OFFSET_MS: String(3600_000) });
    children.push(second.child);
    expect(await second.ready).toContain('"settled":1');
    const settled = (await repo.find(id))!;
    expect(settled).toMatchObject({ status: 'completed', bridgedSeconds: beforeRestart.talkLimitS, firstLegSeconds: Number(parent.duration) });
    const charge = legCost(FIRST, Number(parent.duration)) + legCost(BRIDGED, beforeRestart.talkLimitS);
    expect(settled.costMicros).toBe(charge);
    expect(charge).toBeLessThanOrEqual(settled.holdMicros);
    const entries = (await money.wallet.ledger(userId)).entries;
    expect(entries.filter((e) => e.kind === 'call_charge').map((e) => e.amountMicros)).toEqual([-charge]);
    await expectLedgerConsistent(db);
    second.child.kill('SIGTERM');
  });
});
