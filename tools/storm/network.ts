import type { Destination } from './driver.js';
import type { Fault } from './options.js';
import type { StormUser } from './population.js';
import type { Notice } from '../../src/sim/call-engine.js';

type Behaviour =
  | { kind: 'answer'; answerAfterS: number; hangupAfterS?: number }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  | { kind: 'reject'; rejectAfterS: number }
  | { kind: 'unreachable' };

/** Who picks up at the far end, in simulated seconds. */
const DESTINATIONS: (Destination & { behaviour: Behaviour })[] = [
  { number: '+15005551001', weight: 30, behaviour: { kind: 'answer', answerAfterS: 2, hangupAfterS: 30 } },
  { number: '+15005551002', weight: 25, behaviour: { kind: 'answer', answerAfterS: 3, hangupAfterS: 95 } },
  { number: '+15005551003', weight: 10, behaviour: { kind: 'answer', answerAfterS: 2, hangupAfterS: 300 } },
  { number: '+15005551004', weight: 8, behaviour: { kind: 'busy' } },
  { number: '+15005551005', weight: 6, behaviour: { kind: 'no-answer' } },
  { number: '+15005551006', weight: 6, behaviour: { kind: 'reject', rejectAfterS: 4 } },
  { number: '+15005551007', weight: 5, behaviour: { kind: 'unreachable' } },
  // Never hangs up: only the credit limit (TimeLimit, the hangup job) ends these.
  { number: '+15005551009', weight: 10, behaviour: { kind: 'answer', answerAfterS: 2 }, tightOnly: true },
];

export const destinations: Destination[] = DESTINATIONS.map(({ number, weight, tightOnly }) => ({ number, weight, ...(tightOnly ? { tightOnly } : {}) }));

/** Every REST error Twilio answers with when it is in trouble, in turn. */
const REST_FAILURES = [503, 500, 429] as const;

/** Drives the standalone simulator's control API: phones, faults, and bursts of REST errors during the storm. */
export class SimulatedNetwork {
  private restTimer: NodeJS.Timeout | undefined;
  private burst = 0;

  constructor(
    private readonly simUrl: string,
    private readonly faults: ReadonlySet<Fault>,
  ) {}

  /** The users' own phones answer after a second (one in twenty never does); the destinations as above. */
  async setUpPhones(users: StormUser[]): Promise<void> {
    const put = (number: string, behaviour: Behaviour) => this.control('PUT', `/control/numbers/${encodeURIComponent(number)}`, behaviour);
    for (const d of DESTINATIONS) await put(d.number, d.behaviour);
    await inBatches(users, 20, (user, i) => put(user.phone, i % 20 === 5 ? { kind: 'no-answer' } : { kind: 'answer', answerAfterS: 1 }));
    if (this.faults.has('drop')) {
      // One user in ten loses every status callback of their own leg: only reconciliation can settle those calls.
      await inBatches(users.filter((_, i) => i % 10 === 3), 20, (user) => this.control('PUT', '/control/faults', { number: user.phone, dropStatusCallbacks: true }));
    }
    await this.control('PUT', '/control/faults', this.globalFaults());
  }

  /** REST failures come in short bursts, every few seconds, while calls are being placed. */
  startRestFailures(everyMs = 5_000, burstSize = 3): void {
    if (!this.faults.has('rest-errors')) return;
    this.restTimer = setInterval(() => {
      const status = REST_FAILURES[this.burst++ % REST_FAILURES.length]!;
      void this.control('PUT', '/control/faults', { ...this.globalFaults(), restFailure: { status, count: burstSize } }).catch(() => undefined);
    }, everyMs);
  }

  /** Twilio is healthy again: reconciliation and retries can catch up. Webhook faults stay on. */
  async stopRestFailures(): Promise<void> {
    clearInterval(this.restTimer);
    await this.control('PUT', '/control/faults', this.globalFaults());
  }

  /** What Twilio's debugger would show (the simulator's notices): failed TwiML fetches, undelivered callbacks. */
  notices(): Promise<Notice[]> {
    return this.read('/control/notices');
  }

  legs<T>(): Promise<T[]> {
    return this.read('/control/calls');
  }

  private async read<T>(path: string): Promise<T> {
    const res = await fetch(`${this.simUrl}${path}`);
    return (await res.json()) as T;
  }

  private globalFaults() {
    return {
      ...(this.faults.has('duplicate') ? { duplicateWebhooks: true } : {}),
      ...(this.faults.has('shuffle') ? { shuffleWebhooks: true } : {}),
      ...(this.faults.has('delay') ? { delayWebhooksMs: 3_000 } : {}),
      ...(this.faults.has('slow-rest') ? { slowRestMs: 40 } : {}),
    };
  }

  private async control(method: string, path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.simUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`simulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  }
}

async function inBatches<T>(items: T[], size: number, each: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, j) => each(item, i + j)));
}
