import { Worker } from 'node:worker_threads';

/** How late a thread with nothing else to do woke for its timer (ms past the timer's due time). */
export interface WakeupLateness {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  wakeups: number;
}

/** The canary's timer period; Node's event-loop delay histogram records whole periods, this is taken off. */
export const CANARY_PERIOD_MS = 10;

/**
 * A thread that only waits for a 10 ms timer: however late it wakes is how long the machine made a ready thread wait
 * for a core (our code never runs on it). Read beside a latency it separates the machine's scheduling from the
 * code's cost: every round trip of a click wakes a database backend and then an instance, and each wake-up can be
 * this late. The code runs in a worker thread of the storm's own process, with the event-loop delay monitor.
 */
const CANARY_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const histogram = monitorEventLoopDelay({ resolution: ${CANARY_PERIOD_MS} });
histogram.enable();
parentPort.on('message', () => {
  histogram.disable();
  const ns = (q) => histogram.percentile(q);
  parentPort.postMessage({ p50: ns(50), p99: ns(99), p999: ns(99.9), max: histogram.max, wakeups: histogram.count });
});
`;

/** Starts the canary; the function it returns stops it and says how late it woke meanwhile. */
export function startWakeupCanary(): () => Promise<WakeupLateness | undefined> {
  const worker = new Worker(CANARY_SOURCE, { eval: true });
  worker.unref();
  return async () => {
    const reply = new Promise<Record<string, number> | undefined>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', () => resolve(undefined));
    });
    worker.postMessage('stop');
    const raw = await reply;
    await worker.terminate();
    return raw ? latenessFrom(raw) : undefined;
  };
}

/** Nanosecond whole periods (as the histogram records them) to milliseconds late; undefined if it never woke. */
export function latenessFrom(raw: Record<string, number>): WakeupLateness | undefined {
  if (!raw.wakeups) return undefined;
  const late = (ns: number | undefined) => Math.max(0, (ns ?? 0) / 1e6 - CANARY_PERIOD_MS);
  return { p50: late(raw.p50), p99: late(raw.p99), p999: late(raw.p999), max: late(raw.max), wakeups: raw.wakeups };
}
