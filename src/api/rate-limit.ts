/**
 * Per-token request limit: a fixed window per token, kept in this process's memory. With several app processes
 * each one counts separately, so the effective limit is the limit times the number of processes; a shared
 * (database-backed) limiter would close that gap.
 */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

export const DEFAULT_API_RATE_LIMIT: RateLimitOptions = { limit: 120, windowMs: 60_000 };

export type RateDecision = { ok: true; remaining: number; resetMs: number } | { ok: false; retryAfterS: number; resetMs: number };

export class TokenRateLimiter {
  private readonly windows = new Map<number, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  take(tokenId: number): RateDecision {
    const now = this.now();
    this.sweep(now);
    let window = this.windows.get(tokenId);
    if (!window || now - window.start >= this.options.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(tokenId, window);
    }
    const resetMs = window.start + this.options.windowMs - now;
    if (window.count >= this.options.limit) return { ok: false, retryAfterS: Math.max(1, Math.ceil(resetMs / 1000)), resetMs };
    window.count++;
    return { ok: true, remaining: this.options.limit - window.count, resetMs };
  }

  /** Forgets finished windows now and then, so tokens that stopped calling do not stay in memory. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.options.windowMs) return;
    this.lastSweep = now;
    for (const [id, window] of this.windows) if (now - window.start >= this.options.windowMs) this.windows.delete(id);
  }
}
