/**
 * Simulated time. The clock runs `speed` times faster than real time (speed 100: a 75 s call takes 0.75 s).
 * Call sessions keep their own cursor (see Timeline), advanced to the exact scheduled instant of each timer, so
 * durations between timer-driven events are exact at any speed. Synchronous webhooks take no simulated time
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

interface Scheduled {
  target: number;
  order: number;
  fire: () => void;
}

/**
 * The simulated time of one call session (a parent leg and its children): a discrete-event scheduler. Its timers
 * fire strictly in simulated-time order, one real setTimeout at a time, and the clock stands still while the session
 * waits for a synchronous webhook (pause/resume), so real HTTP latency never reorders or stretches simulated events.
 */
export class Timeline {
  private cursor: number;
  private readonly queue: Scheduled[] = [];
  private handle: NodeJS.Timeout | null = null;
  private pauses = 0;
  private nextOrder = 0;
  /** Real time (performance.now) at which the cursor was last brought up to date. */
  private syncedAt = performance.now();

  constructor(private readonly clock: SimClock) {
    this.cursor = clock.now();
  }
  now(): number {
    return this.cursor;
  }
  /**
   * An event from outside the session (REST, a button press) happens now: the cursor moves on by the real time
   * elapsed since the session last moved, times the speed, but never past its next timer (which is then overdue
   * and still happens first) and not at all while a webhook holds the session.
   */
  touch(): number {
    if (this.pauses > 0) return this.cursor;
    const realNow = performance.now();
    const advanced = this.cursor + (realNow - this.syncedAt) * this.clock.speed;
    this.cursor = Math.max(this.cursor, Math.min(advanced, this.queue[0]?.target ?? Infinity));
    this.syncedAt = realNow;
    return this.cursor;
  }
  /** While paused (a TwiML fetch or action request in flight) no timer of the session fires and time stands still. */
  pause(): void {
    this.pauses++;
    this.disarm();
  }
  resume(): void {
    this.pauses = Math.max(0, this.pauses - 1);
    if (this.pauses === 0) this.syncedAt = performance.now();
    this.arm();
  }
  /** Runs `fire` at now + afterMs simulated; returns a cancel function. */
  schedule(afterMs: number, fire: () => void): () => void {
    const entry: Scheduled = { target: this.cursor + Math.max(0, afterMs), order: this.nextOrder++, fire };
    const at = this.queue.findIndex((e) => e.target > entry.target);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, entry);
    this.arm();
    return () => {
      const index = this.queue.indexOf(entry);
      if (index >= 0) {
        this.queue.splice(index, 1);
        if (index === 0) this.arm();
      }
    };
  }
  sleep(simMs: number, signal?: AbortSignal): Promise<WaitResult<true>> {
    return this.wait({ timers: [{ afterMs: simMs, value: true as const }], ...(signal ? { signal } : {}) });
  }
  wait<T>(options: WaitOptions<T>): Promise<WaitResult<T>> {
    return new Promise((resolve) => {
      const cancels: Array<() => void> = [];
      let settled = false;
      const settle = (result: WaitResult<T>) => {
        if (settled) return;
        settled = true;
        for (const cancel of cancels) cancel();
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      // No touch() here: whoever aborts decides the time (a timer-driven hang-up happens at its exact instant).
      const onAbort = () => settle({ kind: 'aborted', reason: options.signal?.reason });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      for (const timer of options.timers ?? []) {
        cancels.push(this.schedule(timer.afterMs, () => settle({ kind: 'value', value: timer.value })));
      }
      options.external?.then((value) => {
        if (settled) return;
        this.touch();
        settle({ kind: 'value', value });
      }, () => undefined);
    });
  }

  private disarm(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
  }
  private arm(): void {
    this.disarm();
    const next = this.queue[0];
    if (!next || this.pauses > 0) return;
    this.handle = setTimeout(() => {
      this.handle = null;
      const due = this.queue.shift();
      if (due) {
        this.cursor = Math.max(this.cursor, due.target);
        this.syncedAt = performance.now();
        due.fire();
      }
      this.arm();
    }, this.clock.realDelay(next.target - this.cursor));
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
