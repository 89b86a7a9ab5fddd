/**
 * The app alone for bench/open-pages.bench.ts, in its own process so its RSS is its own: an in-memory SQLite
 * database seeded with OPEN_PAGES users, each with a session and one call ringing (status "starting").
 * Prints "ready <port>" once listening.
 */
import http from 'node:http';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { composeServices } from '../src/services.js';
import { createTestDb } from '../test/helpers/db.js';
import { benchCallId } from './open-pages-ids.js';

const count = Number(process.env.OPEN_PAGES ?? 10_000);
const port = Number(process.env.PORT);
const base = `http://127.0.0.1:${port}`;
const testDb = await createTestDb();
const { db } = testDb;
const now = new Date().toISOString();
const telephony = { client: undefined as never, authToken: process.env.TOKEN!, callerId: '+15005550006', verifyServiceSid: undefined, simulated: true };
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', PUBLIC_URL: base, SESSION_SECRET: process.env.SECRET! });
const services = await composeServices(config, { db, sessionSecret: process.env.SECRET!, logger: pino({ level: 'silent' }), telephony, jobs: null, phonesPage: false, stripe: false });
const built = buildApp(services);

for (let start = 0; start < count; start += 500) {
  const ids = Array.from({ length: Math.min(500, count - start) }, (_unused, k) => start + k);
  await db('users').insert(ids.map((i) => ({ id: i + 1, email: `u${i}@example.com`, name: `U${i}`, password_hash: 'x', role: 'user', created_at: now, updated_at: now })));
  await db('sessions').insert(ids.map((i) => ({ sid: `sid${i}`, data: JSON.stringify({ cookie: { originalMaxAge: 1e9 }, userId: i + 1, csrfToken: 'x'.repeat(32) }), expires_at: Date.now() + 3600_000 })));
  await db('calls').insert(ids.map((i) => ({
    id: benchCallId(i), user_id: i + 1, live_user_id: i + 1, to_e164: '+442079460958', to_country: 'GB',
    from_e164: '+12015550123', status: 'starting', confirm_answer: false, created_at: now, expected_end_at: now, time_limit_s: 400, talk_limit_s: 300, dial_timeout_s: 30, hold_micros: 1,
  })));
}
const server = http.createServer(built.app);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => console.log(`ready ${port}`));
// The bench starts its webhooks once every page is waiting.
setInterval(() => console.log(`waiting ${built.services.calls.changes.waiting}`), 500).unref();
process.on('SIGTERM', () => {
  // Answers every waiting page (as main.ts's shutdown does), then exits.
  void services.close().then(() => process.exit(0));
});
