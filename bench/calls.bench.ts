/**
 * The call's hot paths, each as a ratio to a bare Express route measured the same way in the same run:
 * - status webhook: X-Twilio-Signature check + the event written (target >= 0.40);
 * - status poll: the fragment a browser fetches every few seconds (target >= 0.50);
 * and the bytes a 5-minute call costs the user's link: the call page with its assets, then every poll's request
 * and response, headers included (target <= 50 KB; a WebRTC call is about 4 MB).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { composeServices } from '../src/services.js';
import { argon2Hasher } from '../src/accounts/passwords.js';
import { callsRepository } from '../src/calls/calls-repository.js';
import { POLL_CONNECTED_S, POLL_SETUP_S } from '../src/calls/call-view.js';
import { loadConfig } from '../src/config/config.js';
import { signTwilioRequest } from '../src/sim/signing.js';
import { createTwilioClient } from '../src/telephony/twilio-client.js';
import { createTestDb } from '../test/helpers/db.js';

const SECRET = 'bench-session-secret-that-is-long-enough';
const TOKEN = 'bench-auth-token';
const DURATION_MS = Number(process.env.BENCH_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Reply {
  status: number;
  headerBytes: number;
  body: string;
  /** Body bytes as sent (compressed when the server compressed them). */
  bytes: number;
}

function hit(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        // Status line + "Name: value\r\n" per header + the blank line.
        let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += res.rawHeaders[i]!.length + res.rawHeaders[i + 1]!.length + 4;
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headerBytes, body: raw.toString('utf8'), bytes: raw.length });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function throughput(request: (n: number) => Promise<Reply>): Promise<number> {
  let count = 0;
  let failures = 0;
  const end = Date.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const reply = await request(count++);
        if (reply.status >= 300) failures++;
      }
    }),
  );
  if (failures) throw new Error(`${failures} requests failed`);
  return count / (DURATION_MS / 1000);
}

function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 60_000; // the agent reuses sockets across rounds
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

export async function runCallsBench(): Promise<string[]> {
  const testDb = await createTestDb();
  const { server, port } = await listen(() => undefined);
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', PUBLIC_URL: base, SESSION_SECRET: SECRET });
  const telephony = { client: createTwilioClient({ accountSid: `AC${'0'.repeat(32)}`, authToken: TOKEN, apiBase: 'http://127.0.0.1:9' }), authToken: TOKEN, callerId: '+15005550006', verifyServiceSid: undefined, simulated: true };
  const built = buildApp(await composeServices(config, { db: testDb.db, sessionSecret: SECRET, logger: pino({ level: 'silent' }), hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }), telephony, jobs: null, stripe: false }));
  server.on('request', built.app);
  const bare = express();
  bare.disable('x-powered-by');
  bare.get('/bare', (_req, res) => void res.send('ok'));
  const bareServer = await listen(bare);

  // A user, a session, and a call that is connected.
  const now = new Date().toISOString();
  const [row] = await testDb.db('users').insert({ email: 'bench@example.com', name: 'Bench', password_hash: 'x', role: 'user', created_at: now, updated_at: now, phone_e164: '+12015550123', phone_verified_at: now }).returning('id');
  const userId = Number((row as { id: number }).id ?? row);
  const sid = 'benchsessionid0123456789abcdef';
  await testDb.db('sessions').insert({ sid, data: JSON.stringify({ cookie: { originalMaxAge: 1e9, httpOnly: true, path: '/' }, userId, csrfToken: 'x'.repeat(32) }), expires_at: Date.now() + 3600_000 });
  const cookie = `callbridge.sid=${encodeURIComponent(`s:${sid}.${createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '')}`)}`;
  const repo = callsRepository(testDb.db);
  const callId = 'cl_benchbenchbenchbench';
  await repo.insertLive({ id: callId, userId, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', confirmAnswer: true, createdAt: now, expectedEndAt: now, timeLimitS: 400, talkLimitS: 300, dialTimeoutS: 30, holdMicros: 1 });
  await repo.update(callId, { status: 'connected', parentSid: `CA${'1'.repeat(32)}`, childSid: `CA${'2'.repeat(32)}`, answeredAt: now, dialStartedAt: now, bridgedAt: now });

  const pollPath = `/calls/${callId}/status`;
  // What Chromium sends with the poll: no htmx headers (the fragment asks for none), no Referer (our
  // Referrer-Policy is no-referrer); the cookie is ours.
  const browserHeaders: Record<string, string> = {
    host: `127.0.0.1:${port}`, connection: 'keep-alive', 'sec-ch-ua-platform': '"Android"', 'sec-ch-ua': '"Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?1',
    'user-agent': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', accept: '*/*',
    'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'accept-encoding': 'gzip, deflate, br, zstd', 'accept-language': 'en-GB,en;q=0.9', cookie,
  };
  const pollHeaders = browserHeaders;
  const requestBytes = (method: string, path: string, headers: Record<string, string>) =>
    `${method} ${path} HTTP/1.1\r\n`.length + Object.entries(headers).reduce((sum, [k, v]) => sum + k.length + v.length + 4, 0) + 2;

  const lines: string[] = [];
  const webhookPath = `/twilio/calls/${callId}/child-status`;
  // Signed requests prepared before the clock starts, so the load generator costs what it costs for the bare route.
  const signedBodies = Array.from({ length: 60_000 }, (_unused, i) => {
    const params = { CallSid: `CA${'2'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: String(1000 + i), Timestamp: 'Sun, 22 Nov 2026 04:00:00 +0000', CallbackSource: 'call-progress-events', Direction: 'outbound-dial' };
    return { body: new URLSearchParams(params).toString(), signature: signTwilioRequest(TOKEN, `${base}${webhookPath}`, params) };
  });
  let sequence = 0;
  const measures = {
    bare: () => throughput(() => hit(bareServer.port, 'GET', '/bare', {})),
    webhook: () =>
      throughput(() => {
        const { body, signature } = signedBodies[sequence++ % signedBodies.length]!;
        return hit(port, 'POST', webhookPath, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body);
      }),
    // Most polls: the state the browser shows is unchanged, an empty 204.
    poll: () => throughput(() => hit(port, 'GET', `${pollPath}?seen=connected`, pollHeaders)),
    // A poll that finds a new state and renders the fragment.
    pollRender: () => throughput(() => hit(port, 'GET', pollPath, pollHeaders)),
  };
  // The machine is shared: rounds alternate the routes, and each route keeps its best round.
  const best = { bare: 0, webhook: 0, poll: 0, pollRender: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(measures) as (keyof typeof measures)[]) best[name] = Math.max(best[name], await measures[name]());
  }
  const events = Number((await testDb.db('call_events').count({ n: '*' }).first())!.n);
  const ratio = (rps: number) => (rps / best.bare).toFixed(2);
  lines.push(`bare Express route: ${Math.round(best.bare)} req/s (${CONCURRENCY} keep-alive connections; best of ${ROUNDS} rounds of ${DURATION_MS / 1000} s)`);
  lines.push(`status webhook (signature check + event write): ${Math.round(best.webhook)} req/s = ${ratio(best.webhook)}x bare (target >= 0.40) ${best.webhook / best.bare >= 0.4 ? 'OK' : 'MISSED'}; ${events} events written`);
  lines.push(`status poll (one indexed read, unchanged state: 204): ${Math.round(best.poll)} req/s = ${ratio(best.poll)}x bare (target >= 0.50) ${best.poll / best.bare >= 0.5 ? 'OK' : 'MISSED'}`);
  lines.push(`status poll that renders the fragment (state changed): ${Math.round(best.pollRender)} req/s = ${ratio(best.pollRender)}x bare`);

  // Bytes of a 5-minute call: the call page and its assets, then 20 s of set-up polls every 2 s, 5 min of talk
  // polled every 15 s (the clock ticks in the browser), and the final fragment.
  const pageHeaders = { ...browserHeaders, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  const page = await hit(port, 'GET', `/calls/${callId}`, pageHeaders);
  let pageBytes = requestBytes('GET', `/calls/${callId}`, pageHeaders) + page.headerBytes + page.bytes;
  const pageParts = [`html ${(page.bytes / 1024).toFixed(1)} KB`];
  const plain = await hit(port, 'GET', `/calls/${callId}`, { cookie }); // uncompressed, to read its asset links
  if (page.status !== 200 || plain.status !== 200) throw new Error(`call page answered ${page.status}`);
  for (const asset of [...plain.body.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!)) {
    const reply = await hit(port, 'GET', asset, browserHeaders);
    pageBytes += requestBytes('GET', asset, browserHeaders) + reply.headerBytes + reply.bytes;
    pageParts.push(`${asset.split('?')[0]!.replace('/static/', '')} ${(reply.bytes / 1024).toFixed(1)} KB`);
  }
  // Each state: the poll that first sees it gets the fragment, the others an empty 204.
  const phases: Array<[string, number]> = [['calling', 4], ['confirming', 3], ['connecting', 3], ['connected', (5 * 60) / POLL_CONNECTED_S], ['completed', 1]];
  let pollBytes = 0;
  let polls = 0;
  let shown = 'starting';
  for (const [status, count] of phases) {
    await repo.update(callId, { status: status as never, ...(status === 'completed' ? { costMicros: 610_000, bridgedSeconds: 300, settledAt: now } : {}) });
    for (let i = 0; i < count; i++) {
      const path = `${pollPath}?seen=${shown}`;
      const reply = await hit(port, 'GET', path, pollHeaders);
      if (reply.status === 200) shown = status;
      pollBytes += requestBytes('GET', path, pollHeaders) + reply.headerBytes + reply.bytes;
      polls++;
    }
  }
  const total = pageBytes + pollBytes;
  lines.push(`a 5-minute call on the user's link: ${(total / 1024).toFixed(1)} KB (call page with headers and assets ${(pageBytes / 1024).toFixed(1)} KB: ${pageParts.join(', ')}; ${polls} polls ${(pollBytes / 1024).toFixed(1)} KB: every ${POLL_SETUP_S} s while setting up, every ${POLL_CONNECTED_S} s while connected) target <= 50 KB ${total <= 50 * 1024 ? 'OK' : 'MISSED'}`);

  agent.destroy();
  server.close();
  bareServer.server.close();
  await testDb.destroy();
  return lines;
}

export async function callsBench(): Promise<void> {
  for (const line of await runCallsBench()) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await callsBench();
  process.exit(0);
}
