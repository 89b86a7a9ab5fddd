/**
 * Job store benchmark: 1,000 hangup jobs due within the same second on the embedded SQLite store, run by the
 * production scheduler (createJobScheduler, real hangup definition, no-op handler unless --handler-ms makes each
 * hangup take that long, as a carrier API call would). Reports how late each job's handler started after its due
 * time (p50/p99/max), the throughput, and the CPU time spent meanwhile.
 *   npx tsx bench/jobs.bench.ts [--jobs 1000] [--scenario spread|burst] [--handler-ms 0]      (or import { runJobsBench, formatJobsBench } from bench/run.ts;
 *   a caller that imports it should exit the process when done: Agenda leaves timers pending)
 * Scenarios: "spread" = due times spread evenly over one second (scheduled ahead, as the app does);
 *            "burst"  = all due at the same millisecond (worst case: everything at once).
 * Lateness = handler start - due time. Throughput = jobs started per second between the first due time and the
 * last start (for "spread" it cannot exceed ~1,000/s: that is the arrival rate).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createDb, migrateToLatest } from '../src/db/database.js';
import { createJobScheduler } from '../src/jobs/scheduler.js';

const jobCount = (process.argv.includes('--jobs') && Number(process.argv[process.argv.indexOf('--jobs') + 1])) || 1000;
/** How long each hangup takes after it starts (the real one waits on the carrier's API); 0 = a no-op handler. */
const handlerMs = (process.argv.includes('--handler-ms') && Number(process.argv[process.argv.indexOf('--handler-ms') + 1])) || 0;

export interface ScenarioResult {
  scenario: string;
  jobs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  throughputPerSec: number;
  /** CPU time (user + system) of this process from the end of scheduling until the last job started. */
  cpuMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function runScenario(scenario: Scenario, jobCount: number): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'callbridge-jobs-bench-'));
  const db = createDb({ client: 'sqlite', file: join(dir, 'bench.sqlite') });
  await migrateToLatest(db);
  const dueAt = new Map<string, number>();
  const lateness: number[] = [];
  const ran = new Set<string>();
  let lastRunAt = 0;
  let resolveAll!: () => void;
  const allRan = new Promise<void>((resolve) => (resolveAll = resolve));
  const scheduler = createJobScheduler({
    config: loadConfig({}),
    db,
    logger: pino({ level: 'warn' }),
    recurring: false,
    handlers: {
      hangupCall: async (callId) => {
        const now = Date.now();
        if (ran.has(callId)) throw new Error(`hangup ${callId} ran twice`);
        ran.add(callId);
        lateness.push(now - dueAt.get(callId)!);
        lastRunAt = now;
        if (lateness.length === jobCount) resolveAll();
        if (handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, handlerMs));
      },
      reconcileCalls: async () => undefined,
      resetFreeMinutes: async () => undefined,
    },
  });
  await scheduler.start();
  // Far enough ahead that scheduling all jobs finishes before the first is due, even on a busy machine.
  const leadMs = Math.max(6_000, jobCount * 2.5);
  const firstDue = Date.now() + leadMs;
  for (let i = 0; i < jobCount; i++) {
    const at = scenario === 'spread' ? firstDue + Math.floor((i * 1000) / jobCount) : firstDue;
    dueAt.set(`CA-${i}`, at);
    await scheduler.scheduleHangup(`CA-${i}`, new Date(at));
  }
  const scheduledBy = Date.now();
  // CPU time is steadier than lateness on a shared machine: compare it too when comparing changes.
  const cpuBefore = process.cpuUsage();
  if (scheduledBy > firstDue) console.warn(`warning: scheduling took until ${scheduledBy - firstDue} ms after the first due time`);
  await allRan;
  const cpu = process.cpuUsage(cpuBefore);
  const stopStarted = Date.now();
  await scheduler.stop();
  console.log(`${scenario}: scheduling took ${scheduledBy - (firstDue - leadMs)} ms, stop took ${Date.now() - stopStarted} ms`);
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
  const sorted = [...lateness].sort((a, b) => a - b);
  return {
    scenario,
    jobs: jobCount,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    throughputPerSec: Math.round((jobCount / Math.max(1, lastRunAt - firstDue)) * 1000),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
}

type Scenario = 'spread' | 'burst';
const onlyScenario = process.argv.includes('--scenario') ? (process.argv[process.argv.indexOf('--scenario') + 1] as Scenario) : undefined;

/** Both scenarios (or those asked for), for bench/run.ts to call (or run this file directly). */
export async function runJobsBench(options: { jobs?: number; scenarios?: Scenario[] } = {}): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios ?? (onlyScenario ? [onlyScenario] : ['spread', 'burst'])) results.push(await runScenario(scenario, options.jobs ?? jobCount));
  return results;
}

export function formatJobsBench(results: ScenarioResult[]): string[] {
  return results.map(
    (r) =>
      `jobs/${r.scenario}: ${r.jobs} jobs, lateness p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms, throughput ${r.throughputPerSec} jobs/s, CPU ${r.cpuMs} ms` +
      (r.jobs >= 10_000 ? ` (target p99 ≤ 1000 ms: ${r.p99Ms <= 1000 ? 'ok' : 'MISS'})` : ''),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runJobsBench();
  console.table(results);
  for (const line of formatJobsBench(results)) console.log(line);
  // Agenda leaves each finished job's liveness-check timer (half the lock lifetime) pending; don't wait for them.
  process.exit(0);
}
