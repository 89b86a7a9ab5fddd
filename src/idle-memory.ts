import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { loadOnDemand } from './shared/load-on-demand.js';

/**
 * Hands memory freed during busy spells back to the kernel once the server goes quiet.
 *
 * glibc's free() returns only the top of the main heap to the kernel. A burst of requests leaves that heap fragmented
 * by small allocations (V8's compiler zones, parsers, sockets) that outlive their neighbours, so a server that was
 * busy and is now idle kept megabytes of freed memory (docs/live-status.md, "Memory after load"). malloc_trim(0)
 * releases those pages. It holds the heap's lock while it walks it, so it runs only when the event loop was almost
 * idle for a whole period, never in the middle of work. Where the addon is not built (not glibc, or its
 * optional build failed at install) nothing is trimmed and the server runs as before.
 */
export interface IdleTrimOptions {
  /** How often to look; the trim follows the first quiet period after work. */
  everyMs?: number;
  /** A period counts as quiet when the event loop was busy less than this share of it. */
  quietBelow?: number;
  /** The trim itself (tests pass their own). */
  trim?: () => unknown;
  /** The event loop's busy share since the previous call (tests pass their own). */
  busyShare?: () => number;
}

export interface IdleTrim {
  readonly trims: number;
  stop(): void;
}

export const IDLE_TRIM_EVERY_MS = 5_000;
const QUIET_BELOW = 0.05;

/** Starts the periodic check; undefined when this platform cannot trim. The timer never keeps the process alive. */
export function trimMemoryWhenIdle(options: IdleTrimOptions = {}): IdleTrim | undefined {
  const trim = options.trim ?? nativeTrim();
  if (!trim) return undefined;
  const busyShare = options.busyShare ?? eventLoopBusyShare();
  const quietBelow = options.quietBelow ?? QUIET_BELOW;
  let trims = 0;
  const timer = setInterval(() => {
    if (busyShare() >= quietBelow) return;
    trim();
    trims++;
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

function eventLoopBusyShare(): () => number {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(current, previous).utilization;
    previous = current;
    return share;
  };
}
