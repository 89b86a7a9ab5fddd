import { createHmac } from 'node:crypto';
import { stripeId, unixNow } from './ids.js';

export const SIM_API_VERSION = '2026-11-18.endive';

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface DeliveryAttempt {
  at: string;
  status: number | null;
  error: string | null;
  /** 'auto' for Stripe's own attempts and retries, 'resend' for the control API's manual resend, 'duplicate' for a fault. */
  trigger: 'auto' | 'resend' | 'duplicate';
}

export interface EventFaults {
  /** Every event is delivered twice (same evt_ id), as Stripe occasionally does. */
  duplicate?: boolean;
  /** Events caused by one action are delivered in reverse order (Stripe guarantees no order). */
  reorder?: boolean;
  /** Each delivery waits this long (real ms) first. */
  delayMs?: number;
  /** The next N events are recorded but their automatic deliveries are lost (resend them through the control API). */
  drop?: number;
}

export interface EventBusOptions {
  /** Signing secret of the one webhook endpoint (whsec_…). */
  secret: string;
  /** Simulated seconds per real second: shortens the retry back-off. */
  speed: number;
  /** Retry delays in simulated seconds after a failed attempt (assumption: Stripe's sandbox makes three retries over a few hours). */
  retrySeconds?: number[];
  /** Real ms before an attempt counts as timed out (assumption: 10 s; Stripe does not publish it). */
  timeoutMs?: number;
  now?: () => Date;
}

/** The events the simulator created, and their delivery to the app's endpoint: signed, retried, with faults. */
export class EventBus {
  readonly events: StripeEvent[] = [];
  private readonly attempts = new Map<string, DeliveryAttempt[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  endpointUrl: string | undefined;
  faults: EventFaults = {};
  private readonly retrySeconds: number[];

  constructor(private readonly options: EventBusOptions) {
    this.retrySeconds = options.retrySeconds ?? [3600, 3 * 3600, 6 * 3600];
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Records events caused by one action and schedules their delivery (in order, unless the reorder fault is on). */
  emit(items: Array<{ type: string; object: Record<string, unknown>; previous?: Record<string, unknown> }>, request: StripeEvent['request'] = { id: null, idempotency_key: null }): StripeEvent[] {
    const created = items.map((item) => {
      const event: StripeEvent = {
        id: stripeId('evt', 24),
        object: 'event',
        api_version: SIM_API_VERSION,
        created: unixNow(this.now()),
        // A snapshot: later changes to the object never alter a sent event.
        data: { object: structuredClone(item.object), ...(item.previous ? { previous_attributes: item.previous } : {}) },
        livemode: false,
        pending_webhooks: this.endpointUrl ? 1 : 0,
        request,
        type: item.type,
      };
      this.events.push(event);
      this.attempts.set(event.id, []);
      return event;
    });
    const order = this.faults.reorder ? [...created].reverse() : created;
    for (const event of order) {
      if (this.faults.drop && this.faults.drop > 0) {
        this.faults.drop -= 1;
        this.attempts.get(event.id)!.push({ at: this.now().toISOString(), status: null, error: 'dropped (fault)', trigger: 'auto' });
        continue;
      }
      this.schedule(event, 0, 'auto');
      if (this.faults.duplicate) this.schedule(event, 0, 'duplicate');
    }
    return created;
  }

  get(id: string): StripeEvent | undefined {
    return this.events.find((e) => e.id === id);
  }

  attemptsOf(id: string): DeliveryAttempt[] {
    return this.attempts.get(id) ?? [];
  }

  /** A manual resend: one more attempt now; like Stripe's, it does not stop automatic retries. */
  resend(id: string): boolean {
    const event = this.get(id);
    if (!event) return false;
    this.schedule(event, -1, 'resend');
    return true;
  }

  /** The Stripe-Signature header for a payload at a time (t=…,v1=HMAC-SHA256(secret, `${t}.${payload}`)). */
  sign(payload: string, at: Date = this.now()): string {
    const t = unixNow(at);
    const v1 = createHmac('sha256', this.options.secret).update(`${t}.${payload}`).digest('hex');
    return `t=${t},v1=${v1}`;
  }

  /** Resolves when no delivery is waiting to start or running (retries far in the future count as waiting). */
  async idle(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 || this.timers.size > 0) {
      if (Date.now() > deadline) throw new Error(`Stripe simulator deliveries still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** retryIndex -1: a manual resend (never retried by itself). */
  private schedule(event: StripeEvent, retryIndex: number, trigger: DeliveryAttempt['trigger']): void {
    const delay = retryIndex > 0 ? (this.retrySeconds[retryIndex - 1]! * 1000) / this.options.speed : 0;
    const wait = delay + (this.faults.delayMs ?? 0);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(event, retryIndex, trigger);
    }, wait);
    this.timers.add(timer);
  }

  private async deliver(event: StripeEvent, retryIndex: number, trigger: DeliveryAttempt['trigger']): Promise<void> {
    const url = this.endpointUrl;
    if (!url) return;
    this.inFlight += 1;
    const attempt: DeliveryAttempt = { at: this.now().toISOString(), status: null, error: null, trigger };
    try {
      const payload = JSON.stringify(event, null, 2);
      // Every attempt gets a fresh timestamp and signature (stripe-behavior.md §5.3).
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'Stripe-Signature': this.sign(payload), Accept: '*/*; q=0.5, application/xml', 'Cache-Control': 'no-cache' },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      attempt.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      attempt.error = (err as Error).message;
    } finally {
      this.attempts.get(event.id)?.push(attempt);
      this.inFlight -= 1;
    }
    const delivered = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    if (delivered) event.pending_webhooks = 0;
    else if (retryIndex >= 0 && retryIndex < this.retrySeconds.length && trigger === 'auto') this.schedule(event, retryIndex + 1, 'auto');
  }
}
