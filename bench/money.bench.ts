/**
 * Money benchmarks (run: npx tsx bench/money.bench.ts). Targets from the issue:
 *   lookups on the full deck ≥ 1,000,000/s · import of 50,000 rows ≤ 2 s · in-memory deck of 50,000 rows ≤ 30 MB.
 * Figures depend on the machine and its load; the load average is printed with them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDb, migrateToLatest } from '../src/db/database.js';
import { parseDeck } from '../src/rates/parse-deck.js';
import { RateDeckService } from '../src/rates/rate-deck-service.js';
import { PrefixIndex } from '../src/rating/prefix-index.js';
import type { Rate } from '../src/rating/rate.js';
import { syntheticDeckCsv } from './synthetic-deck.js';

const ROWS = 50_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

function randomNumbers(rates: readonly Rate[], count: number): string[] {
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  return Array.from({ length: count }, () => {
    const prefix = rates[next() % rates.length]!.prefix;
    return (prefix + String(next()).padStart(10, '0')).slice(0, Math.max(prefix.length, 12));
  });
}

function benchLookups(index: PrefixIndex, numbers: string[]): number {
  let found = 0;
  const rounds = 10;
  for (const n of numbers) if (index.lookup(n)) found++; // warm-up
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const n of numbers) if (index.lookup(n)) found++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (found === 0) throw new Error('no lookups matched');
  return (rounds * numbers.length) / seconds;
}

async function benchImport(file: string): Promise<{ parseSeconds: number; importSeconds: number }> {
  const parseStart = performance.now();
  const parsed = await parseDeck({ path: file });
  const parseSeconds = (performance.now() - parseStart) / 1000;
  if (!parsed.ok) throw new Error(`synthetic deck invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const dir = mkdtempSync(join(tmpdir(), 'money-bench-'));
  const db = createDb({ client: 'sqlite', file: join(dir, 'bench.sqlite') });
  try {
    await migrateToLatest(db);
    const service = new RateDeckService({ db });
    const start = performance.now();
    const result = await service.importDeck({ path: file });
    const importSeconds = (performance.now() - start) / 1000;
    if (result.count !== ROWS) throw new Error(`imported ${result.count} rows, expected ${ROWS}`);
    return { parseSeconds, importSeconds };
  } finally {
    await db.destroy();
  }
}

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Heap kept by the deck as the service holds it after an import: parsed rates (strings shared) + packed trie. */
async function benchDeckMemory(file: string): Promise<number> {
  const before = settledHeap();
  const parsed = await parseDeck({ path: file });
  if (!parsed.ok) throw new Error('synthetic deck invalid');
  const shared = new Map<string, string>();
  const intern = (s: string) => shared.get(s) ?? (shared.set(s, s), s);
  for (const rate of parsed.rates) {
    rate.iso = intern(rate.iso);
    rate.country = intern(rate.country);
    rate.description = intern(rate.description);
  }
  shared.clear();
  const index = PrefixIndex.build(parsed.rates);
  const after = settledHeap();
  if (!index.lookup(parsed.rates[0]!.prefix)) throw new Error('index broken');
  return (after - before) / (1024 * 1024);
}

export async function runMoneyBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'money-bench-'));
  const file = join(dir, 'deck.csv');
  writeFileSync(file, syntheticDeckCsv(ROWS));
  const heapMb = await benchDeckMemory(file);
  const parsed = await parseDeck({ path: file });
  if (!parsed.ok) throw new Error('synthetic deck invalid');
  const index = PrefixIndex.build(parsed.rates);
  const lookups = benchLookups(index, randomNumbers(parsed.rates, 200_000));
  const { parseSeconds, importSeconds } = await benchImport(file);
  return [
    { name: `prefix lookups on a ${ROWS}-row deck`, value: Math.round(lookups), unit: 'lookups/s', target: '≥ 1,000,000', ok: lookups >= 1_000_000 },
    { name: `import of ${ROWS} rows (parse + validate + one transaction + index rebuild)`, value: round(importSeconds), unit: 's', target: '≤ 2', ok: importSeconds <= 2 },
    { name: `  of which parse + validate alone`, value: round(parseSeconds), unit: 's', target: '-', ok: true },
    { name: `in-memory deck of ${ROWS} rows (rates + index)`, value: round(heapMb), unit: 'MB', target: '≤ 30', ok: heapMb <= 30 },
  ];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Prints the figures; used by `npm run bench` (bench/run.ts) and when this file is run directly. */
export async function moneyBench(): Promise<void> {
  const results = await runMoneyBench();
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value.toLocaleString('en-US')} ${r.unit} (target ${r.target})`);
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (figures drop when the machine is busy)`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await moneyBench();
