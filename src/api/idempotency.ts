import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { ApiError, type ApiErrorCode } from './api-errors.js';

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;
/** How long a retry waits for the first request with its key to finish (placing a call takes one Twilio request). */
const WAIT_FOR_FIRST_MS = 15_000;
const POLL_MS = 50;
/** A key protects retries for this long (as Stripe's do); older keys are forgotten and may be used again. */
export const KEY_RETENTION_MS = 24 * 3600_000;

export type CreateOutcome = { ok: true; callId: string } | { ok: false; error: ApiError };
export interface IdempotentResult {
  callId: string;
  /** True when this answer repeats an earlier request's outcome. */
  replayed: boolean;
}

interface KeyRow {
  fingerprint: string;
  call_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

/** The request as the key covers it: a retry must send the same method, path and JSON body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body)}`).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_SHAPE.test(header)) throw new ApiError('invalid_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).');
  return header;
}

export function idempotencyStore(deps: { db: Db; clock: Clock; sleep?: (ms: number) => Promise<void> }) {
  const { db } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const row = (tokenId: number, key: string): Promise<KeyRow | undefined> => db('api_idempotency_keys').where({ token_id: tokenId, idem_key: key }).first();

  /** The database decides who runs: the first insert wins; the others wait for its outcome and repeat it. */
  async function claim(tokenId: number, key: string, fingerprint: string): Promise<boolean> {
    const now = deps.clock.now();
    // Pruned here, per token, so the table holds about a day of keys without a job of its own.
    await db('api_idempotency_keys').where('token_id', tokenId).andWhere('created_at', '<', new Date(now.getTime() - KEY_RETENTION_MS).toISOString()).delete();
    try {
      await db('api_idempotency_keys').insert({ token_id: tokenId, idem_key: key, fingerprint, created_at: now.toISOString() });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async function outcomeOf(tokenId: number, key: string, fingerprint: string): Promise<IdempotentResult | 'released'> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const existing = await row(tokenId, key);
      if (!existing) return 'released';
      if (existing.fingerprint !== fingerprint) throw new ApiError('idempotency_key_reused');
      if (existing.call_id) return { callId: existing.call_id, replayed: true };
      if (existing.error_code) throw new ApiError(existing.error_code as ApiErrorCode, existing.error_message ?? undefined);
      if (Date.now() > deadline) throw new ApiError('request_in_progress');
      await sleep(POLL_MS);
    }
  }

  return {
    /**
     * Runs create() at most once per (token, key). Refusals (4xx) are remembered and repeated to retries; a crash or a
     * 5xx releases the key, so a retry can try again.
     */
    async run(tokenId: number, key: string, fingerprint: string, create: () => Promise<CreateOutcome>): Promise<IdempotentResult> {
      for (let round = 0; round < 3; round++) {
        if (!(await claim(tokenId, key, fingerprint))) {
          const outcome = await outcomeOf(tokenId, key, fingerprint);
          if (outcome === 'released') continue;
          return outcome;
        }
        let result: CreateOutcome;
        try {
          result = await create();
        } catch (err) {
          await db('api_idempotency_keys').where({ token_id: tokenId, idem_key: key }).delete();
          throw err;
        }
        if (result.ok) {
          await db('api_idempotency_keys').where({ token_id: tokenId, idem_key: key }).update({ call_id: result.callId });
          return { callId: result.callId, replayed: false };
        }
        if (result.error.status >= 500) await db('api_idempotency_keys').where({ token_id: tokenId, idem_key: key }).delete();
        else await db('api_idempotency_keys').where({ token_id: tokenId, idem_key: key }).update({ error_code: result.error.code, error_message: result.error.message.slice(0, 300) });
        throw result.error;
      }
      throw new ApiError('request_in_progress');
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
