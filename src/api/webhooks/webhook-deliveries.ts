import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { TokensRepository } from '../tokens-repository.js';
import { SIGNATURE_HEADER, signPayload } from './webhook-signing.js';

/** Attempts before a delivery is given up as failed (the first try plus retries with backoff). */
export const MAX_DELIVERY_ATTEMPTS = 6;
const TIMEOUT_MS = 10_000;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** The call as call.completed reports it; the calls feature fills it in when it settles a call. */
export interface CompletedCall {
  id: string;
  userId: number;
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
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
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
  const doFetch = deps.fetch ?? fetch;

  return {
    /**
     * The hook the calls feature calls once a call is settled. One delivery per token with a webhook URL; safe to call
     * again for the same call (the unique key drops repeats, and only new rows are queued).
     */
    async callCompleted(call: CompletedCall): Promise<number> {
      const now = clock.now().toISOString();
      const targets = await deps.tokens.webhookTargets(call.userId, now);
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
      const row = await db<DeliveryRow>('webhook_deliveries').where({ id: deliveryId }).first();
      if (!row || row.status !== 'pending') return row?.status ?? 'failed';
      const secret = (await deps.tokens.webhookSecret(row.token_id)) ?? '';
      const sentAt = clock.now();
      const outcome = await post(doFetch, row.url, row.payload, signPayload(secret, Math.floor(sentAt.getTime() / 1000), row.payload), row.id);
      const attempts = row.attempts + 1;
      const status: DeliveryStatus = outcome.ok ? 'delivered' : attempts >= MAX_DELIVERY_ATTEMPTS ? 'failed' : 'pending';
      await db('webhook_deliveries')
        .where({ id: deliveryId })
        .update({
          status,
          attempts,
          last_status_code: outcome.statusCode,
          last_error: outcome.ok ? null : outcome.error.slice(0, 300),
          last_attempt_at: sentAt.toISOString(),
          delivered_at: outcome.ok ? sentAt.toISOString() : null,
        });
      if (status === 'pending') throw new DeliveryAttemptFailed(deliveryId, outcome.ok ? '' : outcome.error);
      if (status === 'failed') logger.warn({ deliveryId, url: row.url }, 'webhook delivery given up');
      return status;
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

type PostOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

async function post(doFetch: typeof fetch, url: string, body: string, signature: string, deliveryId: number): Promise<PostOutcome> {
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'callbridge-webhooks/1', [SIGNATURE_HEADER]: signature, 'Callbridge-Delivery': String(deliveryId) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
    return { ok: false, statusCode: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, statusCode: null, error: (err as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : (err as Error).message };
  }
}

export type WebhookDeliveries = ReturnType<typeof webhookDeliveries>;
