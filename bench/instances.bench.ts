/**
 * Several instances on PostgreSQL (run when DATABASE_URL is a postgres:// URL): real `src/main.ts` processes on
 * one throw-away database, each measured alone and then all together, for the call's two hot paths:
 * the status webhook (signature check + event write) and the status poll (one indexed read), each as a ratio to
 * a bare Express route in its own process, measured the same way in the same run.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seenKey } from '../src/calls/call-view.js';
import { callsRepository } from '../src/calls/calls-repository.js';
import { createStormDatabase } from '../tools/storm/population.js';
import { buildServer, freePort, spawnNode, startInstance, waitForOutput, type RunningInstance } from '../tools/storm/processes.js';
import { signTwilioRequest } from '../src/sim/signing.js';
import { keepAliveClient, type Reply } from './http-load.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);
const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
const SECRET = 'bench-instances-session-secret-long-enough';
const PUBLIC_URL = 'http://callbridge.bench.invalid';
const SIM_AUTH_TOKEN = 'simulator-auth-token-not-a-secret';
const { hit, destroy: closeClient } = keepAliveClient(CONCURRENCY * 4);

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
let sequence = 0;

/**
 * Requests per second over DURATION_MS with CONCURRENCY connections per target, all targets at once, after an
 * optional warm-up that is not counted (the first requests of a fresh process pay for JIT and lazy imports).
 */
async function throughput(ports: number[], request: (port: number, n: number) => Promise<Reply>, warmUp = true): Promise<number[]> {
  if (warmUp) await load(ports, request, WARMUP_MS);
  return load(ports, request, DURATION_MS);
}

async function load(ports: number[], request: (port: number, n: number) => Promise<Reply>, durationMs: number): Promise<number[]> {
  const counts = ports.map(() => 0);
  let failures = 0;
  const end = Date.now() + durationMs;
  await Promise.all(
    ports.flatMap((port, i) =>
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          if ((await request(port, sequence++)).status >= 300) failures++;
          counts[i]!++;
        }
      }),
    ),
  );
  if (failures) throw new Error(`${failures} requests failed`);
  return counts.map((c) => c / (durationMs / 1000));
}

export async function runInstancesBench(serverUrl: string): Promise<string[]> {
  buildServer();
  const logDir = mkdtempSync(join(tmpdir(), 'callbridge-bench-'));
  const database = await createStormDatabase({ kind: 'postgres', serverUrl, dir: logDir });
  const bare = spawnNode('bare-express', 'bench/bare-express.mjs', {}, logDir);
  const instances: RunningInstance[] = [];
  try {
    const barePort = Number((await waitForOutput(bare, /listening on (\d+)/))[1]);
    const { cookie, callId } = await seedConnectedCall(database.db);
    const env = { ...database.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PUBLIC_URL, SESSION_SECRET: SECRET, TWILIO_API_BASE: `http://127.0.0.1:${await freePort()}`,
      // The poll's own work (a read, a waiter, the 204), without waiting out each long poll's 25 s.
      STATUS_WAIT_MS: '1' };
    for (let index = 0; index < INSTANCES; index++) instances.push(await startInstance({ index, logDir, env, built: true }));
    const ports = instances.map((i) => i.port);

    const webhookPath = `/twilio/calls/${callId}/child-status`;
    const webhook = (port: number, n: number) => {
      const params = { CallSid: `CA${'2'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: String(1000 + n), Timestamp: 'Sun, 22 Nov 2026 04:00:00 +0000', CallbackSource: 'call-progress-events', Direction: 'outbound-dial' };
      const signature = signTwilioRequest(SIM_AUTH_TOKEN, `${PUBLIC_URL}${webhookPath}`, params);
      return hit(port, 'POST', webhookPath, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, new URLSearchParams(params).toString());
    };
    // As the call page polls: with the state it shows, so an unchanged call answers 204 once the wait (1 ms here) ends.
    const seen = seenKey((await callsRepository(database.db).find(callId))!);
    const poll = (port: number) => hit(port, 'GET', `/calls/${callId}/status?seen=${seen}`, { cookie });

    const bareRequest = (port: number) => hit(port, 'GET', '/bare', {});
    const paths = [['status webhook', webhook, 0.4], ['status poll (unchanged: 204)', poll, 0.5]] as const;
    // BENCH_ONLY=webhook|poll measures one path (to profile it alone).
    const measured = paths.filter(([name]) => !process.env.BENCH_ONLY || name.includes(process.env.BENCH_ONLY));
    // This VM's CPU is shared with its host (steal time climbs under sustained load), so one long pass would
    // compare a fresh bare Express with tired instances. Each round measures bare Express again and every ratio
    // is to the bare figure of its own round; the report gives the median of the rounds.
    const rounds: { bare: number; alone: number[][]; together: number[][] }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const [bare] = await throughput([barePort], bareRequest, round === 0);
      const alone: number[][] = [];
      const together: number[][] = [];
      for (const [, request] of measured) {
        const each = [];
        for (const port of ports) each.push((await throughput([port], request, round === 0))[0]!);
        alone.push(each);
        together.push(await throughput(ports, request, false));
      }
      rounds.push({ bare: bare!, alone, together });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratioOf = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map((r) => pick(r) / r.bare));
    const rpsOf = (pick: (r: (typeof rounds)[number]) => number) => Math.round(median(rounds.map(pick)));
    const lines = [
      `bare Express route (own process): ${rpsOf((r) => r.bare)} req/s, median of ${ROUNDS} rounds (${rounds.map((r) => Math.round(r.bare)).join(', ')}); ${CONCURRENCY} keep-alive connections, ${DURATION_MS / 1000} s per measurement after a ${WARMUP_MS / 1000} s warm-up in the first round`,
    ];
    const shown = (ratio: number, target?: number) => `${ratio.toFixed(2)}x bare${target === undefined ? '' : ratio >= target ? ' OK' : ' MISSED'}`;
    measured.forEach(([name, , target], p) => {
      const alone = ports.map((_, i) => `#${i} ${rpsOf((r) => r.alone[p]![i]!)} req/s = ${shown(ratioOf((r) => r.alone[p]![i]!), target)}`);
      const together = ports.map((_, i) => `#${i} ${rpsOf((r) => r.together[p]![i]!)} req/s = ${shown(ratioOf((r) => r.together[p]![i]!))}`);
      const sum = (r: (typeof rounds)[number]) => r.together[p]!.reduce((a, b) => a + b, 0);
      lines.push(
        `${name} on PostgreSQL, each instance alone: ${alone.join(', ')} (target >= ${target}; ratios are medians of per-round ratios)`,
        `${name}, ${ports.length} instances at once: ${together.join(', ')}; ${rpsOf(sum)} req/s in all = ${shown(ratioOf(sum))}`,
      );
    });
    const events = Number((await database.db('call_events').count({ n: '*' }).first())!.n);
    lines.push(`${events} webhook events written, one database for all instances (this machine's cores are shared by every process)`);
    return lines;
  } finally {
    await Promise.all(instances.map((i) => i.child.stop()));
    await bare.stop();
    closeClient();
    await database.drop();
  }
}

/** A user with a session and a connected call, written straight to the database (as the calls bench does). */
async function seedConnectedCall(db: Awaited<ReturnType<typeof createStormDatabase>>['db']): Promise<{ cookie: string; callId: string }> {
  const now = new Date().toISOString();
  const [row] = await db('users').insert({ email: 'bench@example.com', name: 'Bench', password_hash: 'x', role: 'user', created_at: now, updated_at: now, phone_e164: '+12015550123', phone_verified_at: now, email_confirmed_at: now }).returning('id');
  const userId = Number((row as { id: number }).id ?? row);
  const sid = 'benchsessionid0123456789abcdef';
  await db('sessions').insert({ sid, data: JSON.stringify({ cookie: { originalMaxAge: 1e9, httpOnly: true, path: '/' }, userId, csrfToken: 'x'.repeat(32) }), expires_at: Date.now() + 3600_000 });
  const cookie = `callbridge.sid=${encodeURIComponent(`s:${sid}.${createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '')}`)}`;
  const repo = callsRepository(db);
  const callId = 'cl_benchbenchbenchbench';
  await repo.insertLive({ id: callId, userId, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', confirmAnswer: true, createdAt: now, expectedEndAt: now, timeLimitS: 400, talkLimitS: 300, dialTimeoutS: 30, holdMicros: 1 });
  await repo.update(callId, { status: 'connected', parentSid: `CA${'1'.repeat(32)}`, childSid: `CA${'2'.repeat(32)}`, answeredAt: now, dialStartedAt: now, bridgedAt: now });
  return { cookie, callId };
}

export async function instancesBench(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url?.startsWith('postgres')) {
    console.log('skipped: set DATABASE_URL=postgres://... to measure several instances on PostgreSQL');
    return;
  }
  for (const line of await runInstancesBench(url)) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await instancesBench();
  process.exit(0);
}
