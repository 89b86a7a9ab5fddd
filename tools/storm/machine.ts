import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/**
 * Where the machine's CPU went during a storm: a latency measured on a saturated machine is queueing (every
 * process waits for a core), not the cost of the code, so the report says how busy the cores were and who used them.
 * Linux only (/proc); elsewhere the sample is undefined and the report leaves the line out.
 */
export interface CpuSample {
  at: number;
  /** Whole machine, in seconds of CPU time since boot: busy (not idle or waiting for disk) and all. */
  busySeconds: number;
  totalSeconds: number;
  /** CPU seconds (user + system) each named process has used so far. */
  processSeconds: Record<string, number>;
  /** Each named process's main thread (its event loop): seconds run and seconds spent runnable but waiting for a core. */
  mainThreads: Record<string, MainThreadTimes>;
}

export interface MainThreadTimes {
  runSeconds: number;
  waitSeconds: number;
}

export interface CpuUsage {
  cores: number;
  /** Share of all cores that were busy, 0..100. */
  busyPercent: number;
  /** Average cores each named process used; `other` is everything else that ran (PostgreSQL, the OS). */
  coresByProcess: Record<string, number>;
  /**
   * Seconds each named process's event loop was ready to run but waited for a core, per second it ran: the share of
   * a latency that is the machine's, not the code's. Absent for a process whose kernel keeps no schedstat.
   */
  coreWaitPerRunSecond: Record<string, number>;
  loadAverage: number;
}

/** Ticks per second of /proc's CPU counters (USER_HZ): 100 on every Linux this runs on. */
const TICKS = 100;

/** The first line of /proc/stat ("cpu  user nice system idle iowait irq softirq steal ..."), in seconds. */
export function parseProcStat(text: string): { busySeconds: number; totalSeconds: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busySeconds: (total - idle - iowait) / TICKS, totalSeconds: total / TICKS };
}

/** utime + stime of /proc/<pid>/stat, in seconds (fields 14 and 15; the command name may hold spaces). */
export function parseProcessStat(text: string): number | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS : undefined;
}

/**
 * /proc/<pid>/schedstat ("run_ns wait_ns timeslices"): the thread-group leader's own times, which for Node is the
 * thread running the event loop (libuv's and V8's helper threads are not counted).
 */
export function parseSchedstat(text: string): MainThreadTimes | undefined {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  return Number.isFinite(run) && Number.isFinite(wait) ? { runSeconds: run! / 1e9, waitSeconds: wait! / 1e9 } : undefined;
}

/** Reads the machine's counters and those of the named processes (pid 'self' for this one). */
export function sampleCpu(pids: Record<string, number | 'self' | undefined>): CpuSample | undefined {
  try {
    const machine = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    if (!machine) return undefined;
    const processSeconds: Record<string, number> = {};
    const mainThreads: Record<string, MainThreadTimes> = {};
    for (const [name, pid] of Object.entries(pids)) {
      if (pid === undefined) continue;
      try {
        const seconds = parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        if (seconds !== undefined) processSeconds[name] = (processSeconds[name] ?? 0) + seconds;
        const times = parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
        if (times) mainThreads[name] = times;
      } catch {
        // The process has exited, or the kernel keeps no schedstat: it is left out of this sample (or that line).
      }
    }
    return { at: performance.now(), ...machine, processSeconds, mainThreads };
  } catch {
    return undefined;
  }
}

/** What happened between two samples; processes are grouped by name (instance-0, instance-1 → instances). */
export function cpuBetween(before: CpuSample, after: CpuSample, group: (name: string) => string = (n) => n): CpuUsage {
  const wallSeconds = Math.max(1e-9, (after.at - before.at) / 1000);
  const cores = cpus().length;
  const busy = after.busySeconds - before.busySeconds;
  const coresByProcess: Record<string, number> = {};
  let ours = 0;
  for (const [name, seconds] of Object.entries(after.processSeconds)) {
    const used = Math.max(0, seconds - (before.processSeconds[name] ?? 0));
    ours += used;
    const key = group(name);
    coresByProcess[key] = (coresByProcess[key] ?? 0) + used / wallSeconds;
  }
  coresByProcess.other = Math.max(0, busy - ours) / wallSeconds;
  const total = after.totalSeconds - before.totalSeconds;
  return { cores, busyPercent: total > 0 ? (100 * busy) / total : 0, coresByProcess, coreWaitPerRunSecond: coreWaits(before, after, group), loadAverage: loadavg()[0] ?? 0 };
}

function coreWaits(before: CpuSample, after: CpuSample, group: (name: string) => string): Record<string, number> {
  const sums: Record<string, MainThreadTimes> = {};
  for (const [name, times] of Object.entries(after.mainThreads)) {
    const earlier = before.mainThreads[name];
    if (!earlier) continue;
    const sum = (sums[group(name)] ??= { runSeconds: 0, waitSeconds: 0 });
    sum.runSeconds += Math.max(0, times.runSeconds - earlier.runSeconds);
    sum.waitSeconds += Math.max(0, times.waitSeconds - earlier.waitSeconds);
  }
  const waits: Record<string, number> = {};
  for (const [name, sum] of Object.entries(sums)) if (sum.runSeconds > 0) waits[name] = sum.waitSeconds / sum.runSeconds;
  return waits;
}

/**
 * Samples every `intervalMs` while a phase runs: an average over a whole storm hides its saturated minutes (the
 * long tail of a storm is a few calls waiting for reconciliation), so the busiest window is kept as well.
 */
export function watchCpu(pids: Record<string, number | 'self' | undefined>, group: (name: string) => string, intervalMs = 5_000): () => { whole: CpuUsage; busiest: CpuUsage } | undefined {
  const first = sampleCpu(pids);
  let previous = first;
  let busiest: CpuUsage | undefined;
  const timer = setInterval(() => {
    const sample = sampleCpu(pids);
    if (!sample || !previous) return;
    const window = cpuBetween(previous, sample, group);
    if (!busiest || window.busyPercent > busiest.busyPercent) busiest = window;
    previous = sample;
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    const last = sampleCpu(pids);
    if (!first || !last) return undefined;
    const whole = cpuBetween(first, last, group);
    return { whole, busiest: busiest ?? whole };
  };
}
