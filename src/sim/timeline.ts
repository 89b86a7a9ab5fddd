/**
 * Simulated time. The clock runs `speed` times faster than real time (speed 100: a 75 s call takes 0.75 s).
 * Each call session keeps its own cursor, advanced to the exact scheduled instant when one of its timers fires, so
 * durations between timer-driven events are exact at any speed. Webhook round trips take no simulated time
 * (simulator assumption: otherwise real HTTP latency multiplied by the speed would leak into CallDuration).
 */
export class SimClock {
  private readonly realStart = performance.now();
  constructor(readonly speed: number, private readonly simStart: number = Date.now()) {
    if (!(speed > 0)) throw new Error('speed must be positive');
  }
  now(): number {
    return this.simStart + (performance.now() - this.realStart) * this.speed;
  }
  realDelay(simMs: number): number {
    return Math.max(0, simMs / this.speed);
  }
}

export type WaitResult<T> = { kind: 'value'; value: T } | { kind: 'aborted'; reason: unknown };

export interface WaitOptions<T> {
  /** Timers in simulated milliseconds from now; the first to fire wins. */
  timers?: Array<{ afterMs: number; value: T }>;
  /** Something outside the timeline (a handset button) that can settle the wait. */
  external?: Promise<T>;
  signal?: AbortSignal;
}

/** The simulated-time cursor of one call session (a parent leg and its children). */
export class Timeline {
  private cursor: number;
  constructor(private readonly clock: SimClock) {
    this.cursor = clock.now();
  }
  now(): number {
    return this.cursor;
  }
  /** An event from outside the timeline (REST, a button press) happens at the clock's current time. */
  touch(): number {
    this.cursor = Math.max(this.cursor, this.clock.now());
    return this.cursor;
  }
  sleep(simMs: number, signal?: AbortSignal): Promise<WaitResult<true>> {
    return this.wait({ timers: [{ afterMs: simMs, value: true as const }], ...(signal ? { signal } : {}) });
  }
  wait<T>(options: WaitOptions<T>): Promise<WaitResult<T>> {
    return new Promise((resolve) => {
      const handles: NodeJS.Timeout[] = [];
      let settled = false;
      const settle = (result: WaitResult<T>) => {
        if (settled) return;
        settled = true;
        for (const handle of handles) clearTimeout(handle);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      // No touch() here: whoever aborts decides the time (a timer-driven hang-up happens at its exact instant).
      const onAbort = () => {
        settle({ kind: 'aborted', reason: options.signal?.reason });
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const base = this.cursor;
      for (const timer of options.timers ?? []) {
        const target = base + timer.afterMs;
        handles.push(
          setTimeout(() => {
            if (settled) return;
            this.cursor = Math.max(this.cursor, target);
            settle({ kind: 'value', value: timer.value });
          }, this.clock.realDelay(timer.afterMs)),
        );
      }
      options.external?.then((value) => {
        if (settled) return;
        this.touch();
        settle({ kind: 'value', value });
      }, () => undefined);
    });
  }
}

/** Counts work in flight (call flows, webhook deliveries) so tests can await quiescence instead of sleeping. */
export class WorkTracker {
  private pending = 0;
  private waiters: Array<() => void> = [];
  track<T>(work: Promise<T>): Promise<T> {
    this.pending++;
    const done = () => {
      this.pending--;
      if (this.pending === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    work.then(done, done);
    return work;
  }
  get busy(): boolean {
    return this.pending > 0;
  }
  async idle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // A finishing task may start another (a callback after a flow ends), so idleness is re-checked after a tick.
    while (this.pending > 0 || (await nextTick(), this.pending > 0)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`simulator still busy after ${timeoutMs} ms (${this.pending} tasks)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));
