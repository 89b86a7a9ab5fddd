/**
 * Money benchmarks (run: npx tsx bench/money.bench.ts [--import-rows 500000]). Targets from the issues:
 *   lookups on the full deck ≥ 1,000,000/s · import of 50,000 rows ≤ 2 s · import of 500,000 rows ≤ 5 s ·
 *   in-memory deck of 50,000 rows ≤ 30 MB.
 * Wall times depend on the machine and its load; the load average is printed with them, and each import also
 * reports the CPU time the process spent, which a busy machine inflates far less.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
/** The large import (issue 25: ten times the deck); `--import-rows N` changes it, `--import-rows 0` skips it. */
const LARGE_IMPORT_ROWS = process.argv.includes('--import-rows') ? Number(process.argv[process.argv.indexOf('--import-rows') + 1]) : 500_000;

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

interface ImportFigures {
  parseSeconds: number;
  importSeconds: number;
  importCpuSeconds: number;
}

async function benchImport(file: string, rows: number): Promise<ImportFigures> {
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
    const cpuStart = process.cpuUsage();
    const result = await service.importDeck({ path: file });
    const cpu = process.cpuUsage(cpuStart);
    const importSeconds = (performance.now() - start) / 1000;
    if (result.count !== rows) throw new Error(`imported ${result.count} rows, expected ${rows}`);
    return { parseSeconds, importSeconds, importCpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The import's figures for a synthetic deck of `rows` rows, against a target in seconds. */
async function importResults(rows: number, targetSeconds: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'money-bench-'));
  const file = join(dir, 'deck.csv');
  writeFileSync(file, syntheticDeckCsv(rows));
  try {
    const { parseSeconds, importSeconds, importCpuSeconds } = await benchImport(file, rows);
    return [
      { name: `import of ${rows} rows (parse + validate + one transaction + index rebuild)`, value: round(importSeconds), unit: 's', target: `≤ ${targetSeconds}`, ok: importSeconds <= targetSeconds },
      { name: `  its CPU time (all threads)`, value: round(importCpuSeconds), unit: 's', target: '-', ok: true },
      { name: `  parse + validate alone`, value: round(parseSeconds), unit: 's', target: '-', ok: true },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
  const imports = await importResults(ROWS, 2);
  const largeImports = LARGE_IMPORT_ROWS > 0 ? await importResults(LARGE_IMPORT_ROWS, 5) : [];
  return [
    { name: `prefix lookups on a ${ROWS}-row deck`, value: Math.round(lookups), unit: 'lookups/s', target: '≥ 1,000,000', ok: lookups >= 1_000_000 },
    ...imports,
    ...largeImports,
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
