/**
 * API hot path: throughput of GET /api/v1/calls/:id (bearer token, one indexed read, JSON) on the full app, as a
 * ratio to a bare Express route answering a constant JSON object in the same process and run. Both servers are
 * measured with the same keep-alive client (same process, so the client's cost is in both). Target ratio ≥ 0.5.
 */
import express from 'express';
import request from 'supertest';
import { createTestApp, signedUpAgent } from '../test/helpers/app.js';
import { createTokenViaPage } from '../test/api/helpers/tokens.js';
import { close, listen, load } from './http-load.js';

const DURATION_MS = Number(process.env.BENCH_API_MS ?? 5_000);
const CONCURRENCY = 16;
const ROUNDS = 10;

export async function apiBench(): Promise<void> {
  const t = await createTestApp({}, {}, { apiRateLimit: { limit: 1e9, windowMs: 60_000 } });
  const { agent } = await signedUpAgent(t);
  const { secret } = await createTokenViaPage(agent, { scope: 'read' });
  const user = await t.testDb.db('users').first<{ id: number }>('id');
  const callId = 'cl_benchbenchbenchbench';
  const at = new Date().toISOString();
  await t.testDb.db('calls').insert({
    id: callId, user_id: user!.id, to_e164: '+442079460958', to_country: 'GB', from_e164: '+12015550123', status: 'completed', confirm_answer: false,
    created_at: at, expected_end_at: at, ended_at: at, time_limit_s: 600, talk_limit_s: 570, dial_timeout_s: 30, hold_micros: 1_000_000,
    first_leg_seconds: 80, bridged_seconds: 75, cost_micros: 220_000, settled_at: at,
  });
  const path = `/api/v1/calls/${callId}`;
  const label = '/api/v1/calls/:id';
  const check = await request(t.app).get(path).set('Authorization', `Bearer ${secret}`);
  if (check.status !== 200) throw new Error(`bench target answered ${check.status}`);

  const bare = express();
  bare.get('/bare', (_req, res) => void res.json({ id: 'x', status: 'completed' }));
  const full = await listen(t.app);
  const plain = await listen(bare);
  try {
    // Warm both (JIT, connections), then alternate short rounds: each round measures the bare route and the API
    // back to back, so load from other processes on the machine hits both alike. The ratio reported is the median of
    // the per-round ratios (robust to one disturbed round); the throughputs are the rounds' means.
    await load(`${plain.base}/bare`, {}, { durationMs: 500, concurrency: CONCURRENCY });
    await load(`${full.base}${path}`, { Authorization: `Bearer ${secret}` }, { durationMs: 500, concurrency: CONCURRENCY });
    const rounds: Array<{ bare: number; api: number }> = [];
    let errors = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const baseline = await load(`${plain.base}/bare`, {}, { durationMs: DURATION_MS / ROUNDS, concurrency: CONCURRENCY });
      const api = await load(`${full.base}${path}`, { Authorization: `Bearer ${secret}` }, { durationMs: DURATION_MS / ROUNDS, concurrency: CONCURRENCY });
      rounds.push({ bare: baseline.perSecond, api: api.perSecond });
      errors += baseline.errors + api.errors;
    }
    const ratios = rounds.map((r) => r.api / r.bare).sort((a, b) => a - b);
    const ratio = (ratios[Math.floor((ROUNDS - 1) / 2)]! + ratios[Math.ceil((ROUNDS - 1) / 2)]!) / 2;
    const mean = (key: 'bare' | 'api') => Math.round(rounds.reduce((sum, r) => sum + r[key], 0) / ROUNDS);
    console.log(`bare Express route: ${mean('bare')} req/s`);
    console.log(`GET ${label}: ${mean('api')} req/s (${errors} errors), one indexed read per request (token cached)`);
    console.log(`ratio ${ratio.toFixed(2)} (median of ${ROUNDS} rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')}; target ≥ 0.5) ${ratio >= 0.5 ? 'OK' : 'MISSED'}`);
  } finally {
    await close(full.server);
    await close(plain.server);
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await apiBench();
