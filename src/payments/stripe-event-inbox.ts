import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { PaymentsService } from './payments-service.js';

/** Without a job scheduler (tests, tools): background attempts after these delays (ms), then the row waits. */
const BACKGROUND_RETRY_MS = [0, 50, 200, 1_000, 2_500];

export interface StripeEventInboxDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  payments: PaymentsService;
  /** Queues the stripe.event job (JobScheduler.scheduleStripeEvent); absent, events are applied in the background. */
  schedule?: ((eventRowId: number) => Promise<void>) | undefined;
}

/**
 * Stripe's advice (stripe-behavior.md §8.4): verify, store, answer 2xx, and do the work from a queue. `receive` is all
 * the webhook endpoint does after the signature check: one insert keyed by the event id (a duplicate finds its row)
 * and one job. `apply` is the job: it runs PaymentsService.handleEvent, which is itself safe any number of times and
 * in any order, then marks the row processed so later deliveries and retried jobs do nothing.
 */
export function stripeEventInbox(deps: StripeEventInboxDeps) {
  const { db, clock, logger } = deps;
  const background = new Set<Promise<void>>();

  async function applyInBackground(rowId: number): Promise<void> {
    for (const delay of BACKGROUND_RETRY_MS) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        return await inbox.apply(rowId);
      } catch {
        // Recorded on the row by apply(); try again after the next delay.
      }
    }
  }

  const inbox = {
    /** Stores a verified event once and queues its work; 'duplicate' when it was already applied. */
    async receive(event: Stripe.Event, rawBody: string): Promise<'queued' | 'duplicate'> {
      await db('stripe_events').insert({ event_id: event.id, type: event.type, payload: rawBody, attempts: 0, received_at: clock.now().toISOString() }).onConflict('event_id').ignore();
      const row = (await db('stripe_events').where({ event_id: event.id }).first('id', 'processed_at')) as { id: number; processed_at: string | null } | undefined;
      if (!row) throw new Error(`stripe event ${event.id} was not stored`);
      if (row.processed_at) return 'duplicate';
      // Not done yet (new, or an earlier job still retrying or given up): queue it; the job is unique per row.
      const rowId = Number(row.id);
      if (deps.schedule) await deps.schedule(rowId);
      else {
        const tracked = applyInBackground(rowId).finally(() => background.delete(tracked));
        background.add(tracked);
      }
      return 'queued';
    },

    /** The stripe.event job: applies the stored event unless already done; throws (to be retried) when it fails. */
    async apply(rowId: number): Promise<void> {
      const row = (await db('stripe_events').where({ id: rowId }).first()) as { event_id: string; payload: string; processed_at: string | null } | undefined;
      if (!row || row.processed_at) return;
      await db('stripe_events').where({ id: rowId }).increment('attempts', 1);
      try {
        await deps.payments.handleEvent(JSON.parse(row.payload) as Stripe.Event);
      } catch (err) {
        await db('stripe_events').where({ id: rowId }).update({ last_error: (err instanceof Error ? err.message : String(err)).slice(0, 2000) });
        logger.warn({ err, event: row.event_id }, 'a Stripe event could not be applied yet; it is retried');
        throw err;
      }
      await db('stripe_events').where({ id: rowId }).whereNull('processed_at').update({ processed_at: clock.now().toISOString(), last_error: null });
    },

    /** Events stored but not applied yet: for tests and the admin's view of the queue. */
    async pending(): Promise<number> {
      const row = (await db('stripe_events').whereNull('processed_at').count({ n: '*' }).first()) as { n: number | string } | undefined;
      return Number(row?.n ?? 0);
    },

    /** Resolves once every stored event is applied (or the time is up): tests wait on it after the simulator's deliveries. */
    async settled(timeoutMs = 5_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while ((await inbox.pending()) > 0 || background.size > 0) {
        if (Date.now() > deadline) throw new Error(`Stripe events still unapplied after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
  return inbox;
}

export type StripeEventInbox = ReturnType<typeof stripeEventInbox>;
