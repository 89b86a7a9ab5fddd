/**
 * The dial page for a signed-in user with the sample deck loaded (every country in the picker): first-load
 * weight (HTML plus every stylesheet and script, gzip as a browser gets it; target under 25 KB like other pages),
 * and the as-you-type preview: bytes per fragment and its median / p95 time over 200 requests in process.
 *   npx tsx bench/dial.bench.ts
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { dataDir } from '../src/paths.js';
import { seedRatesIfEmpty } from '../src/rates/rate-deck-service.js';
import { createTestApp, signedUpAgent } from '../test/helpers/app.js';

const PREVIEWS = 200;

export async function dialBench(): Promise<void> {
  const t = await createTestApp();
  try {
    await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
    const { agent } = await signedUpAgent(t);
    const user = (await t.testDb.db('users').first<{ id: number }>())!;
    await t.testDb.db('users').where({ id: user.id }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString() });
    await t.services.money.wallet.credit(Number(user.id), { kind: 'grant', amountMicros: 5_000_000, description: 'Bench credit' });

    const page = await agent.get('/').set('Accept-Encoding', 'gzip');
    const assets = [...page.text.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    let total = wireBytes(page);
    const parts = [`html ${kb(wireBytes(page))}`];
    for (const asset of assets) {
      const res = await agent.get(asset).set('Accept-Encoding', 'gzip');
      total += wireBytes(res);
      parts.push(`${asset.split('?')[0]} ${kb(wireBytes(res))}`);
    }
    console.log(`dial page (signed in, ${(page.text.match(/<option /g) ?? []).length} countries): ${kb(total)} compressed (${parts.join(', ')}) target < 25 KB ${total < 25 * 1024 ? 'OK' : 'MISSED'}`);

    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < PREVIEWS; i++) {
      const started = performance.now();
      const res = await agent.get('/dial/preview?to=020%207946%200958&country=GB').set({ 'HX-Request': 'true', 'Accept-Encoding': 'gzip' });
      times.push(performance.now() - started);
      bytes = wireBytes(res);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!.toFixed(2);
    console.log(`dial preview fragment: ${bytes} B body, median ${at(50)} ms, p95 ${at(95)} ms over ${PREVIEWS} requests (in process, session + wallet read, no write)`);
  } finally {
    await t.close();
  }
}

function wireBytes(res: { text?: string; headers: Record<string, string> }): number {
  const body = res.text ?? '';
  return res.headers['content-encoding'] === 'gzip' ? gzipSync(body).length : Buffer.byteLength(body);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.url === `file://${process.argv[1]}`) await dialBench();
