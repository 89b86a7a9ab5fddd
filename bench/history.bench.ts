/**
 * Call history on 100,000 calls of one user (SQLite, in memory): the first page of GET /calls (keyset page + render;
 * the totals follow in their own request), a deep page by cursor, a filtered first page, the totals fragment, and the
 * CSV export. Target: first page under 50 ms. Medians of 15 requests through the whole web stack (session, user).
 */
import { createTestApp, signedUpAgent } from '../test/helpers/app.js';
import { callId, insertCalls } from '../test/calls/helpers/call-rows.js';

const CALLS = 100_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function historyBench(): Promise<void> {
  const t = await createTestApp();
  try {
    const { agent } = await signedUpAgent(t);
    const userId = Number((await t.testDb.db('users').first('id')).id);
    const start = Date.parse('2025-01-01T00:00:00Z');
    const countries = ['GB', 'FR', 'DE', 'US'];
    const rows = Array.from({ length: CALLS }, (_, i) => ({
      id: callId(i), userId, createdAt: new Date(start + i * 300_000).toISOString(), country: countries[i % 4]!,
      to: `+44207946${String(i % 10_000).padStart(4, '0')}`, status: i % 5 === 0 ? 'not-answered' : 'completed',
    }));
    await insertCalls(t.testDb.db, rows);
    const time = async (path: string, headers: Record<string, string> = {}) => {
      const samples: number[] = [];
      let status = 0;
      for (let i = 0; i < 15; i++) {
        const began = performance.now();
        const res = await agent.get(path).set(headers);
        samples.push(performance.now() - began);
        status = res.status;
      }
      return { ms: median(samples), status };
    };
    // Warm up (template compile, JIT, SQLite page cache) so the figures are the steady state a user meets.
    for (let i = 0; i < 5; i++) await agent.get('/calls');
    const first = await time('/calls');
    const html = (await agent.get('/calls')).text;
    let cursorPath = /href="(\/calls\?[^"]*cursor=[^"]+)" rel="next"/.exec(html)![1]!.replace(/&amp;/g, '&');
    for (let i = 0; i < 50; i++) {
      const page = (await agent.get(cursorPath)).text;
      cursorPath = /href="(\/calls\?[^"]*cursor=[^"]+)" rel="next"/.exec(page)![1]!.replace(/&amp;/g, '&');
    }
    const deep = await time(cursorPath);
    const filtered = await time('/calls?status=not-answered&country=GB');
    const totals = await time('/calls/totals', { 'HX-Request': 'true' });
    const filteredTotals = await time('/calls/totals?country=GB', { 'HX-Request': 'true' });
    const began = performance.now();
    const csv = await agent.get('/calls.csv');
    const csvMs = performance.now() - began;
    console.log(`history, ${CALLS.toLocaleString('en-US')} calls of one user: first page ${first.ms.toFixed(1)} ms (target < 50 ms) ${first.ms < 50 ? 'OK' : 'MISSED'}`);
    console.log(`history: page 52 by cursor ${deep.ms.toFixed(1)} ms; filtered first page ${filtered.ms.toFixed(1)} ms`);
    console.log(`history: totals fragment (loaded after the page) ${totals.ms.toFixed(1)} ms for all calls, ${filteredTotals.ms.toFixed(1)} ms for one country`);
    console.log(`history: CSV export of all calls ${Math.round(csvMs)} ms, ${(csv.text.length / 1e6).toFixed(1)} MB, ${csv.text.split('\r\n').length - 2} rows`);
  } finally {
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await historyBench();
