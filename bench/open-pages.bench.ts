/**
 * Many open call pages on one instance: OPEN_PAGES long polls wait at once (one keep-alive connection each, as one
 * browser tab per call), then status webhooks arrive for a sample of those calls, a few at a time; each sample
 * page's request is timed from its webhook being sent to its answer. Reports p50/p99 (target p99 <= 1.5 s) and
 * the instance's RSS while they all wait (target <= 350 MB). Loopback only; the app runs in its own process.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTwilioRequest } from '../src/sim/signing.js';
import { freePort, spawnNode, waitForOutput } from '../tools/storm/processes.js';
import { benchCallId } from './open-pages-ids.js';

const OPEN_PAGES = Number(process.env.OPEN_PAGES ?? 10_000);
const SAMPLE = Number(process.env.OPEN_PAGES_SAMPLE ?? 500);
const SECRET = 'bench-session-secret-that-is-long-enough';
const TOKEN = 'bench-auth-token';

const callId = benchCallId;
const cookieFor = (i: number) => {
  const sid = `sid${i}`;
  return `callbridge.sid=${encodeURIComponent(`s:${sid}.${createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '')}`)}`;
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function runOpenPagesBench(): Promise<string[]> {
  const port = await freePort();
  // Named as a storm instance so it runs with npm start's V8 flags and malloc settings: its RSS is the shipped runtime's.
  const server = spawnNode('instance-open-pages', 'bench/open-pages-server.ts', { PORT: String(port), OPEN_PAGES: String(OPEN_PAGES), SECRET, TOKEN }, mkdtempSync(join(tmpdir(), 'open-pages-')));
  try {
    await waitForOutput(server, /ready \d+/, 120_000);
    const pid = server.process.pid!;
    const idleRss = rssMb(pid);
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const answered = new Map<number, number>();
    // As call-wait.js does: a 204 (nothing new within the wait) is asked again at once.
    const poll = async (i: number): Promise<number> => {
      for (;;) {
        const status = await ask(i);
        if (status !== 204) return status;
      }
    };
    const ask = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: `/calls/${callId(i)}/status?seen=starting`, headers: { cookie: cookieFor(i), 'accept-encoding': 'br' }, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            answered.set(i, performance.now());
            resolve(res.statusCode ?? 0);
          });
        });
        req.on('error', reject);
      });
    // Open them all, a few hundred at a time (as browsers arriving), then wait until every one is waiting.
    const polls: Array<Promise<number>> = [];
    for (let i = 0; i < OPEN_PAGES; i++) {
      // Pages still waiting when the instance stops are cut off; that is not a failure of the sample.
      polls.push(poll(i).catch(() => 0));
      if (i % 250 === 249) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Until every page waits, or 60 s: on a loaded machine the instance may not keep all of them waiting at once
    // (each 204 after the wait is asked again, and each ask is a read); the report says how many waited.
    let waitingNow = 0;
    server.process.stdout?.on('data', (chunk: Buffer) => {
      const last = [...chunk.toString().matchAll(/waiting (\d+)/g)].at(-1);
      if (last) waitingNow = Number(last[1]);
    });
    const openDeadline = Date.now() + 60_000;
    while (waitingNow < OPEN_PAGES && Date.now() < openDeadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const waitingAtStart = waitingNow;
    const waitingRss = rssMb(pid);
    const base = `http://127.0.0.1:${port}`;
    const sample = Array.from({ length: SAMPLE }, (_unused, k) => Math.floor((k * OPEN_PAGES) / SAMPLE));
    const latencies: number[] = [];
    const sentAt = new Map<number, number>();
    const webhook = (i: number) => {
      const path = `/twilio/calls/${callId(i)}/status`;
      const params = { CallSid: `CA${i.toString(16).padStart(32, '0')}`, CallStatus: 'ringing', SequenceNumber: '1', Timestamp: 'Sun, 22 Nov 2026 04:00:00 +0000', CallbackSource: 'call-progress-events', Direction: 'outbound-api' };
      const body = new URLSearchParams(params).toString();
      const signature = signTwilioRequest(TOKEN, `${base}${path}`, params);
      return new Promise<void>((resolve, reject) => {
        sentAt.set(i, performance.now());
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 || res.statusCode === 204 ? resolve() : reject(new Error(`webhook answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    // Webhooks arrive 10 at a time, as Twilio's callbacks for calls in progress would.
    for (let k = 0; k < sample.length; k += 10) await Promise.all(sample.slice(k, k + 10).map(webhook));
    await Promise.all(sample.map((i) => polls[i]));
    for (const i of sample) latencies.push(answered.get(i)! - sentAt.get(i)!);
    latencies.sort((a, b) => a - b);
    const stillWaiting = OPEN_PAGES - answered.size;
    agent.destroy();
    const p99 = percentile(latencies, 99);
    return [
      `${OPEN_PAGES} open call pages on one instance (SQLite), ${waitingAtStart} waiting when the webhooks began, ${stillWaiting} pages not yet answered with a change after ${SAMPLE} webhooks; instance RSS ${idleRss.toFixed(0)} MB before, ${waitingRss.toFixed(0)} MB with all waiting (target <= 350 MB) ${waitingRss <= 350 ? 'OK' : 'MISSED'}`,
      `webhook sent to its page's answer: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms (target p99 <= 1500 ms) ${p99 <= 1500 ? 'OK' : 'MISSED'}`,
    ];
  } finally {
    await server.stop(5_000);
  }
}

export async function openPagesBench(): Promise<void> {
  for (const line of await runOpenPagesBench()) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await openPagesBench();
  process.exit(0);
}
