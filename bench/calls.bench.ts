/**
 * The call's hot paths, each as a ratio to a bare Express route measured the same way in the same run:
 * - status webhook: X-Twilio-Signature check + the event written (target >= 0.40);
 * - status poll: the long poll's own work (one read, a waiter, the 204), measured with a wait of 1 ms (target >= 0.50);
 * and the bytes a 5-minute call costs the user's link: the call page (with its assets on a first visit, without
 * them once cached), then every status request and response, headers included: one per change of state and one
 * 204 per STATUS_WAIT_MS of talk (targets <= 35 KB first visit, <= 12 KB cached; a WebRTC call is about 4 MB).
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
import { STATUS_WAIT_MS } from '../src/calls/status-poll.js';
import { loadConfig } from '../src/config/config.js';
import { signTwilioRequest } from '../src/sim/signing.js';
import { createTwilioClient } from '../src/telephony/twilio-client.js';
import { createTestDb } from '../test/helpers/db.js';
import { keepAliveClient, type Reply } from './http-load.js';

const SECRET = 'bench-session-secret-that-is-long-enough';
const TOKEN = 'bench-auth-token';
const DURATION_MS = Number(process.env.BENCH_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
const { hit, destroy: closeClient } = keepAliveClient(CONCURRENCY);

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
  // A wait of 1 ms: the throughput of the poll's work, and the bytes of its 204, without waiting out each long poll.
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', PUBLIC_URL: base, SESSION_SECRET: SECRET, STATUS_WAIT_MS: '1' });
  const telephony = { client: createTwilioClient({ accountSid: `AC${'0'.repeat(32)}`, authToken: TOKEN, apiBase: 'http://127.0.0.1:9' }), authToken: TOKEN, callerId: '+15005550006', verifyServiceSid: undefined, simulated: true };
  const services = await composeServices(config, { db: testDb.db, sessionSecret: SECRET, logger: pino({ level: 'silent' }), hasher: argon2Hasher({ memoryCost: 1024, timeCost: 1 }), telephony, jobs: null, stripe: false });
  const built = buildApp(services);
  server.on('request', built.app);
  const bare = express();
  bare.disable('x-powered-by');
  bare.get('/bare', (_req, res) => void res.send('ok'));
  const bareServer = await listen(bare);

  // A user, a session, and a call that is connected.
  const now = new Date().toISOString();
  const [row] = await testDb.db('users').insert({ email: 'bench@example.com', name: 'Bench', password_hash: 'x', role: 'user', created_at: now, updated_at: now, phone_e164: '+12015550123', phone_verified_at: now, email_confirmed_at: now }).returning('id');
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
  // Referrer-Policy is no-referrer), no client hints (our Permissions-Policy turns them off for a page's own
  // requests; test/browser/slow-link.browser.test.ts checks both); the cookie is ours. A navigation still sends them.
  const clientHints = { 'sec-ch-ua-platform': '"Android"', 'sec-ch-ua': '"Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-mobile': '?1' };
  const browserHeaders: Record<string, string> = {
    host: `127.0.0.1:${port}`, connection: 'keep-alive',
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
  lines.push(`status poll (one indexed read, unchanged state: a waiter, then 204): ${Math.round(best.poll)} req/s = ${ratio(best.poll)}x bare (target >= 0.50) ${best.poll / best.bare >= 0.5 ? 'OK' : 'MISSED'}`);
  lines.push(`status poll that renders the fragment (state changed): ${Math.round(best.pollRender)} req/s = ${ratio(best.pollRender)}x bare`);

  // Bytes of a 5-minute call: the call page (and, on a first visit, its assets), then the status long polls: one
  // answer per change of state (calling, confirming, connecting, connected, ending, completed with its cost) and an
  // empty 204 every STATUS_WAIT_MS while nothing changes (5 minutes of talk).
  const pageHeaders = { ...browserHeaders, ...clientHints, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  await repo.update(callId, { status: 'starting' as never });
  const page = await hit(port, 'GET', `/calls/${callId}`, pageHeaders);
  const htmlBytes = requestBytes('GET', `/calls/${callId}`, pageHeaders) + page.headerBytes + page.bytes;
  let assetBytes = 0;
  let assetDownBytes = 0;
  const pageParts = [`html ${(page.bytes / 1024).toFixed(1)} KB`];
  const plain = await hit(port, 'GET', `/calls/${callId}`, { cookie }); // uncompressed, to read its asset links
  if (page.status !== 200 || plain.status !== 200) throw new Error(`call page answered ${page.status}`);
  for (const asset of [...plain.body.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!)) {
    const reply = await hit(port, 'GET', asset, browserHeaders);
    assetBytes += requestBytes('GET', asset, browserHeaders) + reply.headerBytes + reply.bytes;
    assetDownBytes += reply.headerBytes + reply.bytes;
    pageParts.push(`${asset.split('?')[0]!.replace('/static/', '')} ${(reply.bytes / 1024).toFixed(1)} KB`);
  }
  const talkTimeouts = Math.ceil((5 * 60 * 1000) / STATUS_WAIT_MS);
  const phases: Array<[string, number]> = [['calling', 0], ['confirming', 0], ['connecting', 0], ['connected', talkTimeouts], ['ending', 0], ['completed', 0]];
  let pollBytes = 0;
  let pollRequestBytes = 0;
  let changes = 0;
  let timeouts = 0;
  let shown = 'starting';
  const ask = async () => {
    const path = `${pollPath}?seen=${shown}`;
    const reply = await hit(port, 'GET', path, pollHeaders);
    pollRequestBytes += requestBytes('GET', path, pollHeaders);
    pollBytes += requestBytes('GET', path, pollHeaders) + reply.headerBytes + reply.bytes;
    return reply;
  };
  for (const [status, idle] of phases) {
    await repo.update(callId, { status: status as never });
    const changed = await ask();
    if (changed.status !== 200) throw new Error(`the poll after a change to ${status} answered ${changed.status}`);
    shown = /seen=([a-z-]+)/.exec(changed.body)?.[1] ?? status;
    changes++;
    for (let i = 0; i < idle; i++) {
      if ((await ask()).status !== 204) throw new Error('an unchanged poll was answered with content');
      timeouts++;
    }
  }
  // The cost is known a moment after the end: the last answer, after which the fragment stops asking.
  await repo.update(callId, { costMicros: 610_000, bridgedSeconds: 300, settledAt: now });
  if ((await ask()).status !== 200) throw new Error('the settled call was not answered');
  changes++;
  const first = htmlBytes + assetBytes + pollBytes;
  // Downloaded only (responses, headers included): what the link brings in, without the browser's requests.
  const down = page.headerBytes + page.bytes + (pollBytes - pollRequestBytes);
  const cached = htmlBytes + pollBytes;
  lines.push(`a 5-minute call on the user's link, first visit: ${(first / 1024).toFixed(1)} KB target <= 35 KB ${first <= 35 * 1024 ? 'OK' : 'MISSED'} (call page ${(htmlBytes / 1024).toFixed(1)} KB with headers, assets ${(assetBytes / 1024).toFixed(1)} KB: ${pageParts.join(', ')})`);
  lines.push(`a 5-minute call on the user's link, assets cached: ${(cached / 1024).toFixed(1)} KB target <= 12 KB ${cached <= 12 * 1024 ? 'OK' : 'MISSED'} (status traffic ${(pollBytes / 1024).toFixed(1)} KB, of which the browser's requests ${(pollRequestBytes / 1024).toFixed(1)} KB: ${changes} answers with a new state, ${timeouts} empty 204s, one per ${STATUS_WAIT_MS / 1000} s of talk)`);
  lines.push(`the same, responses only (what the link downloads): first visit ${((down + assetDownBytes) / 1024).toFixed(1)} KB, assets cached ${(down / 1024).toFixed(1)} KB`);

  closeClient();
  server.close();
  bareServer.server.close();
  await services.close();
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
