import type { Request, Response } from 'express';
import type { CallsService, StartResult } from '../calls/calls-service.js';
import type { CallRecord } from '../calls/calls-repository.js';
import { isFinal, type CallStatus } from '../calls/call-state.js';
import type { CallsHistory } from '../calls/history-repository.js';
import { encodeCursor } from '../calls/history-cursor.js';
import { parseHistoryQuery } from '../calls/history-filters.js';
import { CALL_STATUSES } from '../calls/history-repository.js';
import { ApiError, type ApiErrorCode } from './api-errors.js';
import { sendJson } from './api-http.js';
import { accountIdOf, callInAccount, seesEveryMembersCalls } from './api-account.js';
import { apiMoney, type ApiMoney } from './api-money.js';
import { parseCallWaitQuery, waitForCallChange } from './api-call-wait.js';
import { parseIdempotencyKey, requestFingerprint, type CreateOutcome, type IdempotencyStore } from './idempotency.js';

/** A call as the API shows it (the OpenAPI "Call" schema). */
export interface ApiCall {
  id: string;
  status: CallStatus;
  live: boolean;
  to: string;
  createdAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  cost: ApiMoney | null;
  failureReason: string | null;
  links: { self: string; statusPage: string };
}

export function apiCall(call: CallRecord, publicUrl: string, currency: string): ApiCall {
  return {
    id: call.id,
    status: call.status,
    live: !isFinal(call.status),
    to: call.toE164,
    createdAt: call.createdAt,
    answeredAt: call.bridgedAt,
    endedAt: call.endedAt,
    durationSeconds: call.bridgedSeconds,
    // The charge is final only once the call is settled; before that the figure would be a guess.
    cost: call.settledAt && call.costMicros !== null ? apiMoney(call.costMicros, currency) : null,
    failureReason: call.failureReason,
    links: { self: `${publicUrl}/api/v1/calls/${call.id}`, statusPage: `${publicUrl}/calls/${call.id}` },
  };
}

/** How a refused start reads in the API: the web page shows the same message. */
const REFUSAL_CODES: Record<Exclude<StartResult, { ok: true }>['reason'], ApiErrorCode> = {
  'email-unconfirmed': 'email_not_confirmed',
  'account-on-hold': 'account_on_hold',
  'no-verified-phone': 'phone_not_verified',
  'account-disabled': 'account_disabled',
  'call-live': 'call_in_progress',
  'call-limit': 'call_in_progress',
  'on-hold': 'account_on_hold',
  'attempt-limit': 'rate_limited',
  'own-number-dialled': 'destination_refused',
  unavailable: 'telephony_unavailable',
  invalid: 'destination_refused',
  premium: 'destination_refused',
  'shared-cost': 'destination_refused',
  'number-type': 'destination_refused',
  'no-rate': 'destination_refused',
  disabled: 'destination_refused',
  'below-cost': 'destination_refused',
  'own-number-not-rated': 'destination_refused',
  'own-number-refused': 'destination_refused',
  'insufficient-credit': 'insufficient_credit',
  'no-account': 'not_found',
  // The message names the limit (spend per day or month, calls at once, countries) set by the team.
  'member-limit': 'insufficient_credit',
  'twilio-error': 'telephony_unavailable',
};

const BODY_FIELDS = new Set(['to', 'country']);

/** {"to": "+44…", "country"?: "GB"}: anything else is named in a 400. */
function parseStartBody(body: unknown): { to: string; country: string | undefined } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('invalid_request', 'Send a JSON object like {"to": "+442079460958"}.');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !BODY_FIELDS.has(k));
  if (unknown.length) throw new ApiError('invalid_request', `Unknown field ${JSON.stringify(unknown[0])}: send "to" and, optionally, "country".`);
  const to = typeof fields.to === 'string' ? fields.to.trim() : '';
  if (!to) throw new ApiError('invalid_request', 'Give the number to call as "to", e.g. "+442079460958".');
  if (to.length > 40) throw new ApiError('invalid_request', 'The number in "to" is too long.');
  if (fields.country !== undefined && (typeof fields.country !== 'string' || !/^[A-Za-z]{2}$/.test(fields.country))) {
    throw new ApiError('invalid_request', '"country" must be a two-letter country code, e.g. "GB".');
  }
  return { to, country: typeof fields.country === 'string' ? fields.country.toUpperCase() : undefined };
}

export interface ApiCallsDeps {
  calls: CallsService;
  history: CallsHistory;
  idempotency: IdempotencyStore;
  publicUrl: string;
  currency: string;
}

/** The call endpoints: the very same CallsService as the web page's Call button, so the same checks, holds and billing. */
export function apiCallHandlers(deps: ApiCallsDeps) {
  const { calls, publicUrl, currency } = deps;
  const show = (call: CallRecord) => apiCall(call, publicUrl, currency);

  async function place(userId: number, accountId: number, to: string, country: string | undefined): Promise<CreateOutcome> {
    // Paid by the token's account (CallsService refuses one the user is no longer a member of).
    const result = await calls.start({ userId, to, country, accountId });
    if (result.ok) return { ok: true, callId: result.call.id };
    // Twilio refused after the call row existed: the call is there (failed, nothing charged); show it like the web does.
    if ('call' in result) return { ok: true, callId: result.call.id };
    const code = REFUSAL_CODES[result.reason];
    const message = result.reason === 'call-live' && result.liveCallId ? `${result.message} (${publicUrl}/api/v1/calls/${result.liveCallId})` : result.message;
    const retryAfter = result.reason === 'attempt-limit' ? { 'Retry-After': String(Math.max(1, Math.ceil((result.retryInMs ?? 0) / 1000))) } : undefined;
    return { ok: false, error: new ApiError(code, message, retryAfter) };
  }

  return {
    async start(req: Request, res: Response) {
      const { token, user } = req.apiCaller!;
      const key = parseIdempotencyKey(req.get('idempotency-key'));
      const { to, country } = parseStartBody(req.body);
      let callId: string;
      if (key) {
        const outcome = await deps.idempotency.run(token.id, key, requestFingerprint('POST', '/calls', { to, country }), () => place(user.id, accountIdOf(req), to, country));
        callId = outcome.callId;
        if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
      } else {
        const outcome = await place(user.id, accountIdOf(req), to, country);
        if (!outcome.ok) throw outcome.error;
        callId = outcome.callId;
      }
      const call = await calls.find(user.id, callId);
      if (!call) throw new ApiError('not_found');
      res.location(`${publicUrl}/api/v1/calls/${call.id}`);
      sendJson(res, show(call), 201);
    },

    /** The poll: one indexed read (the token is cached), no write; with ?wait=N a long poll (api-call-wait.ts). */
    async get(req: Request, res: Response) {
      const userId = req.apiCaller!.user.id;
      const id = String(req.params.id);
      const wait = parseCallWaitQuery(req.query as Record<string, unknown>, CALL_STATUSES);
      // Another account's call (the same user's, paid by another account) reads as missing; a team's owners and
      // admins read any member's call on the team, as they list them.
      const everyMember = seesEveryMembersCalls(req);
      const read = async () => {
        if (everyMember) return deps.history.findForAccount(accountIdOf(req), id);
        const found = await deps.history.findForUser(userId, id);
        return found && callInAccount(req, found) ? found : undefined;
      };
      const call = wait ? await waitForCallChange(calls.changes, id, wait, read, () => res.destroyed) : await read();
      if (!call) throw new ApiError('not_found', 'You have no call with this id.');
      if (!res.destroyed) sendJson(res, show(call));
    },

    async list(req: Request, res: Response) {
      for (const name of Object.keys(req.query)) if (!['status', 'cursor', 'limit'].includes(name)) throw new ApiError('invalid_request', `Unknown parameter "${name}": use status, cursor and limit.`);
      const parsed = parseHistoryQuery(req.query as Record<string, unknown>, CALL_STATUSES);
      if (!parsed.ok) throw new ApiError('invalid_request', parsed.message);
      const account = { id: accountIdOf(req), personal: req.apiCaller!.account.kind === 'personal', everyMember: seesEveryMembersCalls(req) };
      const page = await deps.history.page(req.apiCaller!.user.id, { ...parsed.filter, account }, parsed.cursor, parsed.limit);
      sendJson(res, { data: page.calls.map(show), nextCursor: page.next ? encodeCursor(page.next) : null });
    },

    async hangup(req: Request, res: Response) {
      let call: CallRecord | undefined;
      const mine = await deps.history.findForUser(req.apiCaller!.user.id, String(req.params.id));
      if (!mine || !callInAccount(req, mine)) throw new ApiError('not_found', 'You have no call with this id.');
      try {
        call = await calls.hangup(req.apiCaller!.user.id, String(req.params.id));
      } catch (err) {
        req.log?.error({ err }, 'hangup through Twilio failed');
        throw new ApiError('telephony_unavailable', 'We could not reach our phone provider to hang up; the call still ends at its time limit. Try again.');
      }
      if (!call) throw new ApiError('not_found', 'You have no call with this id.');
      sendJson(res, show(call));
    },
  };
}
