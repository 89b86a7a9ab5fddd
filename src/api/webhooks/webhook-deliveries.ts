import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { TokensRepository } from '../tokens-repository.js';
import { sendToTarget, type SendOutcome } from './webhook-sender.js';
import { SIGNATURE_HEADER, signPayload } from './webhook-signing.js';
import { resolveWebhookTarget, type WebhookTargetPolicy } from './webhook-target.js';

/** Attempts before a delivery is given up as failed (the first try plus retries with backoff). */
export const MAX_DELIVERY_ATTEMPTS = 6;
/**
 * Deliveries of one user in flight at once in this process. The job runs a few deliveries at a time for everyone:
 * one user's slow endpoint may hold this many of those slots (each for at most the send timeout), never all of them.
 */
export const DELIVERIES_IN_FLIGHT_PER_USER = 2;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The call as call.completed reports it; the calls feature fills it in when it settles a call. */
export interface CompletedCall {
  id: string;
  userId: number;
  /** The account that paid: only tokens acting for it hear about the call. */
  accountId?: number | null | undefined;
  to: string;
  status: string;
  createdAt: string;
  endedAt: string | null;
  durationSeconds: number;
  chargedMicros: number;
  currency: string;
}

export interface DeliveryLogEntry {
  id: number;
  tokenName: string;
  event: string;
  subjectId: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
}

interface DeliveryRow {
  id: number;
  token_id: number;
  event: string;
  subject_id: string;
  url: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  last_attempt_at: string | null;
  delivered_at: string | null;
}

export interface WebhookDeliveriesDeps {
  db: Db;
  tokens: TokensRepository;
  clock: Clock;
  logger: Logger;
  /** Queues a delivery attempt (the Agenda job); absent when the app runs without a job scheduler. */
  schedule?: ((deliveryId: number) => Promise<void>) | undefined;
  /** Where webhooks may go (checked again before every attempt). */
  targets: WebhookTargetPolicy;
}

/**
 * Thrown when the user already has DELIVERIES_IN_FLIGHT_PER_USER deliveries going: the job ends at once (freeing
 * its slot for other users) and Agenda runs it again after its backoff; no attempt is counted.
 */
export class DeliveryDeferred extends Error {
  constructor(readonly deliveryId: number) {
    super(`webhook delivery ${deliveryId} deferred: its user has deliveries in flight`);
    this.name = 'DeliveryDeferred';
  }
}

/** Thrown so Agenda retries with backoff; the row already records what happened. */
export class DeliveryAttemptFailed extends Error {
  constructor(readonly deliveryId: number, detail: string) {
    super(`webhook delivery ${deliveryId} failed: ${detail}`);
    this.name = 'DeliveryAttemptFailed';
  }
}

export function callCompletedPayload(call: CompletedCall, deliveryAt: string) {
  return {
    type: 'call.completed',
    createdAt: deliveryAt,
    data: {
      call: { id: call.id, status: call.status, to: call.to, createdAt: call.createdAt, endedAt: call.endedAt, durationSeconds: call.durationSeconds },
      cost: { micros: call.chargedMicros, currency: call.currency },
    },
  };
}

export function webhookDeliveries(deps: WebhookDeliveriesDeps) {
  const { db, clock, logger } = deps;
  const inFlight = new Map<number, number>();

  async function attemptNow(row: DeliveryRow): Promise<DeliveryStatus> {
    const deliveryId = Number(row.id);
    const secret = (await deps.tokens.webhookSecret(row.token_id)) ?? '';
    const sentAt = clock.now();
    // Checked again at send: the host may resolve elsewhere now than when the URL was saved.
    const target = await resolveWebhookTarget(row.url, deps.targets);
    let outcome: SendOutcome;
    if (!target.ok) outcome = { ok: false, statusCode: null, outcome: target.reason === 'refused-address' || target.reason === 'insecure' ? 'refused address' : 'could not connect' };
    else {
      const headers = { 'content-type': 'application/json', 'user-agent': 'callbridge-webhooks/1', [SIGNATURE_HEADER]: signPayload(secret, Math.floor(sentAt.getTime() / 1000), row.payload), 'Callbridge-Delivery': String(deliveryId) };
      outcome = await sendToTarget(target, row.payload, headers);
    }
    const attempts = Number(row.attempts) + 1;
    // A refused address is not retried: it would be refused again, and retrying is how a rebinding attack would win.
    const status: DeliveryStatus = outcome.ok ? 'delivered' : attempts >= MAX_DELIVERY_ATTEMPTS || outcome.outcome === 'refused address' ? 'failed' : 'pending';
    await db('webhook_deliveries')
      .where({ id: deliveryId })
      .update({
        status,
        attempts,
        last_status_code: outcome.statusCode,
        last_error: outcome.ok ? null : outcome.outcome,
        last_attempt_at: sentAt.toISOString(),
        delivered_at: outcome.ok ? sentAt.toISOString() : null,
      });
    if (status === 'pending') throw new DeliveryAttemptFailed(deliveryId, outcome.ok ? '' : outcome.outcome);
    if (status === 'failed') logger.warn({ deliveryId, url: row.url, outcome: outcome.ok ? 'delivered' : outcome.outcome }, 'webhook delivery given up');
    return status;
  }

  return {
    /**
     * The hook the calls feature calls once a call is settled. One delivery per token with a webhook URL; safe to call
     * again for the same call (the unique key drops repeats, and only new rows are queued).
     */
    async callCompleted(call: CompletedCall): Promise<number> {
      const now = clock.now().toISOString();
      const targets = await deps.tokens.webhookTargets(call.userId, now, call.accountId);
      let queued = 0;
      for (const target of targets) {
        const payload = JSON.stringify(callCompletedPayload(call, now));
        const inserted = await db('webhook_deliveries')
          .insert({ token_id: target.tokenId, event: 'call.completed', subject_id: call.id, url: target.url, payload, status: 'pending', attempts: 0, created_at: now })
          .onConflict(['token_id', 'event', 'subject_id'])
          .ignore()
          .returning('id');
        const id = inserted[0] && Number(typeof inserted[0] === 'object' ? (inserted[0] as { id: number }).id : inserted[0]);
        if (!id) continue;
        queued++;
        if (deps.schedule) await deps.schedule(id);
        else logger.warn({ deliveryId: id }, 'no job scheduler: webhook delivery left pending');
      }
      return queued;
    },

    /** One attempt (the job's work). Resolves when delivered or given up; throws so the job retries otherwise. */
    async attempt(deliveryId: number): Promise<DeliveryStatus> {
      const row = (await db('webhook_deliveries as d')
        .join('api_tokens as t', 't.id', 'd.token_id')
        .join('users as u', 'u.id', 't.user_id')
        .where('d.id', deliveryId)
        .first('d.*', 't.user_id', 'u.disabled_at')) as (DeliveryRow & { user_id: number; disabled_at: string | null }) | undefined;
      if (!row || row.status !== 'pending') return row?.status ?? 'failed';
      const userId = Number(row.user_id);
      if (row.disabled_at) {
        // Disabled means disabled: its queued deliveries end instead of being sent.
        await db('webhook_deliveries').where({ id: deliveryId }).update({ status: 'failed', last_error: 'account disabled', last_attempt_at: clock.now().toISOString() });
        return 'failed';
      }
      const busy = inFlight.get(userId) ?? 0;
      if (busy >= DELIVERIES_IN_FLIGHT_PER_USER) throw new DeliveryDeferred(deliveryId);
      inFlight.set(userId, busy + 1);
      try {
        return await attemptNow(row);
      } finally {
        const left = (inFlight.get(userId) ?? 1) - 1;
        if (left <= 0) inFlight.delete(userId);
        else inFlight.set(userId, left);
      }
    },

    async recentForUser(userId: number, limit: number): Promise<DeliveryLogEntry[]> {
      const rows = await db('webhook_deliveries as d')
        .join('api_tokens as t', 't.id', 'd.token_id')
        .where('t.user_id', userId)
        .orderBy('d.id', 'desc')
        .limit(limit)
        .select('d.*', 't.name as token_name');
      return rows.map((r: DeliveryRow & { token_name: string }) => ({
        id: Number(r.id),
        tokenName: r.token_name,
        event: r.event,
        subjectId: r.subject_id,
        url: r.url,
        status: r.status,
        attempts: Number(r.attempts),
        lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
        lastError: r.last_error,
        createdAt: r.created_at,
        lastAttemptAt: r.last_attempt_at,
      }));
    },
  };
}


export type WebhookDeliveries = ReturnType<typeof webhookDeliveries>;
