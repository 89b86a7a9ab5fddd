import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { loadOnDemand } from './shared/load-on-demand.js';

/**
 * Hands memory freed during busy spells back to the kernel once the server goes quiet.
 *
 * glibc's free() returns only the top of the main heap to the kernel. A burst of requests leaves that heap fragmented
 * by small allocations (V8's compiler zones, parsers, sockets) that outlive their neighbours, so a server that was
 * busy and is now idle kept megabytes of freed memory (docs/live-status.md, "Memory after load"). malloc_trim(0)
 * releases those pages. Before it, a major garbage collection: V8's own memory reducer did not always run after a
 * load (in simulation mode the heap was seen still full of the load's garbage long after it). Both hold the process
 * for a moment, so they run only when the event loop was almost idle for a whole period, never in the middle of work.
 * The collection needs `--expose-gc` (npm start and the Dockerfile pass it); the trim needs our addon (glibc, built
 * at install as an optional dependency). Without either, that part is skipped and the server runs as before.
 */
export interface IdleTrimOptions {
  /** How often to look; the trim follows the first quiet period after work. */
  everyMs?: number;
  /** A period counts as quiet when the event loop was busy less than this share of it. */
  quietBelow?: number;
  /** The trim itself (tests pass their own). */
  trim?: () => unknown;
  /** The collection before it; by default V8's, when the process runs with --expose-gc (tests pass their own). */
  collect?: () => unknown;
  /** The event loop's busy share and busy milliseconds since the previous call (tests pass their own). */
  busy?: () => { share: number; ms: number };
}

export interface IdleTrim {
  readonly trims: number;
  stop(): void;
}

const IDLE_TRIM_EVERY_MS = 5_000;
const QUIET_BELOW = 0.05;
/** Work since the last trim below this freed too little to look for: an idle server does not trim every period. */
const WORK_WORTH_A_TRIM_MS = 100;

/** Starts the periodic check; undefined when this process can neither collect nor trim. Never keeps the process alive. */
export function trimMemoryWhenIdle(options: IdleTrimOptions = {}): IdleTrim | undefined {
  const trim = options.trim ?? nativeTrim();
  const collect = options.collect ?? globalThis.gc;
  if (!trim && !collect) return undefined;
  const busy = options.busy ?? eventLoopBusy();
  const quietBelow = options.quietBelow ?? QUIET_BELOW;
  let trims = 0;
  // The start-up's own garbage counts as work: the first quiet period trims.
  let workSinceTrimMs = Number.POSITIVE_INFINITY;
  const timer = setInterval(() => {
    const period = busy();
    workSinceTrimMs += period.ms;
    if (period.share >= quietBelow || workSinceTrimMs < WORK_WORTH_A_TRIM_MS) return;
    collect?.();
    trim?.();
    trims++;
    workSinceTrimMs = 0;
  }, options.everyMs ?? IDLE_TRIM_EVERY_MS);
  timer.unref();
  return {
    get trims() {
      return trims;
    },
    stop: () => clearInterval(timer),
  };
}

/** glibc's malloc_trim through our addon (native/malloc-trim), or undefined where it is not available. */
export function nativeTrim(): (() => boolean) | undefined {
  try {
    const addon = loadOnDemand('callbridge-malloc-trim') as { trim(): boolean; supported(): boolean };
    return addon.supported() ? addon.trim : undefined;
  } catch {
    return undefined;
  }
}

function eventLoopBusy(): () => { share: number; ms: number } {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const period = performance.eventLoopUtilization(current, previous);
    previous = current;
    return { share: period.utilization, ms: period.active };
  };
}
