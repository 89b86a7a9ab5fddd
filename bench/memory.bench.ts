/**
 * Issue 25, "A lighter process": the server as `npm start` runs it (the build in dist/, started with
 * SERVER_NODE_FLAGS and SERVER_MALLOC_ENV), its RSS once idle, then 10,000 mixed requests from one signed-in user (dial page, call status
 * polls, signed status webhooks, a few other pages), then its RSS once idle again. Targets: idle <= 120 MB in
 * simulation mode and <= 100 MB with Twilio credentials (made-up ones: nothing reaches Twilio, the process must not
 * need to at start), and at most +20 MB after the load. Each mode runs on a fresh SQLite file (the first start
 * migrates and seeds), is stopped, and is measured on its second start, as a restarted server would be.
 * RSS is read from /proc, so this bench runs on Linux only. On a shared machine the figures move by a few MB.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTwilioRequest } from '../src/sim/signing.js';
import { HttpSession } from '../tools/storm/http-session.js';
import { buildServer, freePort, spawnNode, waitForHttp, type Child } from '../tools/storm/processes.js';

const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 10_000);
const CONCURRENCY = 16;
/** Long enough for V8's memory reducer, which collects a few seconds after a process goes quiet. */
const SETTLE_MS = Number(process.env.MEMORY_SETTLE_MS ?? 20_000);
const ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };
const CREDENTIALS = { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'bench-made-up-auth-token', TWILIO_CALLER_ID: '+15005550006' };
const CALL_ID = 'cl_benchmemoryaaaaaaaaa';

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ModeResult {
  mode: string;
  idleMb: number;
  loadedMb: number;
  statuses: Map<number, number>;
}

async function startServer(mode: string, env: NodeJS.ProcessEnv, logDir: string): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawnNode(`instance-memory-${mode}`, 'dist/src/main.js', { ...env, PORT: String(port), PUBLIC_URL: base, SIM_PORT: String(await freePort()) }, logDir);
  await waitForHttp(`${base}/readyz`, child);
  return { child, base };
}

async function measureMode(mode: 'simulation' | 'credentials'): Promise<ModeResult> {
  const dir = mkdtempSync(join(tmpdir(), `memory-${mode}-`));
  const file = join(dir, 'callbridge.sqlite');
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', SQLITE_FILE: file, RECORDINGS_DIR: join(dir, 'recordings'), STRIPE_SIM_PORT: '0',
    ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, STATUS_WAIT_MS: '200',
    ...(mode === 'credentials' ? CREDENTIALS : {}),
  };
  // The first start migrates, seeds the rate deck and (in simulation) the demo accounts; what is measured is a restart.
  const first = await startServer(mode, env, dir);
  await first.child.stop();
  const { child, base } = await startServer(mode, env, dir);
  try {
    await sleep(SETTLE_MS);
    const pid = child.process.pid!;
    const idleMb = rssMb(pid);
    const session = new HttpSession('127.0.0.1');
    await session.logIn(base, ADMIN.email, ADMIN.password);
    const authToken = prepareCall(file, mode);
    const statuses = await mixedLoad(base, session, authToken);
    await sleep(SETTLE_MS);
    return { mode, idleMb, loadedMb: rssMb(pid), statuses };
  } finally {
    await child.stop();
  }

  /** A ringing call of the admin's, for the polls and webhooks; and the token the webhooks are signed with. */
  function prepareCall(path: string, which: string): string {
    const db = new Database(path);
    try {
      const { id } = db.prepare('select id from users where email = ?').get(ADMIN.email) as { id: number };
      const now = new Date().toISOString();
      db.prepare(
        `insert into calls (id, user_id, live_user_id, to_e164, to_country, from_e164, status, confirm_answer, created_at, expected_end_at, time_limit_s, talk_limit_s, dial_timeout_s, hold_micros)
         values (?, ?, ?, '+442079460958', 'GB', '+12015550123', 'starting', 0, ?, ?, 400, 300, 30, 1)`,
      ).run(CALL_ID, id, id, now, now);
      // In simulation mode the in-process simulator signs with a token of this database's own.
      const token = which === 'credentials' ? CREDENTIALS.TWILIO_AUTH_TOKEN : (db.prepare("select value from settings where key = 'simulator_auth_token'").get() as { value: string }).value;
      return token;
    } finally {
      db.close();
    }
  }
}

/** REQUESTS requests, CONCURRENCY at a time: 40% status polls, 25% signed webhooks, 20% the dial page, 15% other pages. */
async function mixedLoad(base: string, session: HttpSession, authToken: string): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const pages = ['/calls', '/wallet', '/account', '/rates', '/contacts', `/calls/${CALL_ID}`];
  let next = 0;
  let sequence = 0;
  const one = async (k: number): Promise<number> => {
    const slot = k % 20;
    if (slot < 8) return (await session.request(`${base}/calls/${CALL_ID}/status?seen=${slot % 2 ? 'starting' : 'ringing'}`, { headers: { 'accept-encoding': 'br' } })).status;
    if (slot < 13) {
      const path = `/twilio/calls/${CALL_ID}/status`;
      const params = { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: String(++sequence), Timestamp: new Date().toUTCString(), CallbackSource: 'call-progress-events', Direction: 'outbound-api' };
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(authToken, `${base}${path}`, params) }, body: new URLSearchParams(params).toString() });
      await res.arrayBuffer();
      return res.status;
    }
    if (slot < 17) return (await session.request(`${base}/`)).status;
    return (await session.request(`${base}${pages[k % pages.length]!}`)).status;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const status = await one(next++);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

export async function runMemoryBench(modes: Array<'simulation' | 'credentials'> = ['simulation', 'credentials']): Promise<string[]> {
  buildServer();
  const lines: string[] = [];
  for (const mode of modes) {
    const r = await measureMode(mode);
    const target = mode === 'simulation' ? 120 : 100;
    const delta = r.loadedMb - r.idleMb;
    const answers = [...r.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}x${n}`).join(' ');
    lines.push(
      `${mode}: idle RSS ${r.idleMb.toFixed(0)} MB (target <= ${target} MB) ${r.idleMb <= target ? 'OK' : 'MISSED'}; after ${REQUESTS} mixed requests and ${SETTLE_MS / 1000} s idle ${r.loadedMb.toFixed(0)} MB, ${delta >= 0 ? '+' : ''}${delta.toFixed(0)} MB (target <= +20 MB) ${delta <= 20 ? 'OK' : 'MISSED'}; answers ${answers}`,
    );
  }
  return lines;
}

export async function memoryBench(): Promise<void> {
  for (const line of await runMemoryBench()) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await memoryBench();
  process.exit(0);
}
