import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
// req.log (set by pino-http on the web stack, absent on the API's own stack) is typed by pino-http's declarations.
import type {} from 'pino-http';
import { sendJson } from './api-http.js';

/**
 * Every error the API can answer with: a stable code (clients branch on it), its HTTP status, and a default message.
 * The OpenAPI document lists these same codes, so it cannot drift from what the API sends.
 */
export const API_ERRORS = {
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_request: { status: 400, message: 'The request is missing a field or has one that is not valid.' },
  missing_token: { status: 401, message: 'Send your API token as "Authorization: Bearer <token>".' },
  invalid_token: { status: 401, message: 'This API token is not valid.' },
  token_revoked: { status: 401, message: 'This API token has been revoked.' },
  token_expired: { status: 401, message: 'This API token has expired.' },
  account_disabled: { status: 403, message: 'The account this token belongs to has been disabled.' },
  insufficient_scope: { status: 403, message: 'This token is read-only: create a token with the "calls" scope to place or end calls.' },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  contact_number_taken: { status: 409, message: 'One of these numbers is already saved for another contact.' },
  call_in_progress: { status: 409, message: 'You already have a call in progress.' },
  request_in_progress: { status: 409, message: 'A request with this Idempotency-Key is still being processed; retry in a moment.' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was already used with a different request.' },
  destination_refused: { status: 422, message: 'This destination cannot be called.' },
  insufficient_credit: { status: 422, message: 'Not enough credit for this call.' },
  account_on_hold: { status: 403, message: 'Calls are on hold for this account (a disputed card payment, money owed, or unusual calling activity under review).' },
  email_not_confirmed: { status: 403, message: 'Confirm your email address first: follow the link we emailed you.' },
  phone_not_verified: { status: 422, message: 'Verify your own phone number on the website first: calls ring it first.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  rate_limited: { status: 429, message: 'Too many requests: slow down and retry after the number of seconds in Retry-After.' },
  telephony_unavailable: { status: 503, message: 'Calls cannot be placed right now; try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. It has been logged.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message?: string,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? API_ERRORS[code].message);
    this.name = 'ApiError';
    this.status = API_ERRORS[code].status;
  }
}

export function errorBody(code: ApiErrorCode, message: string) {
  return { error: { code, message } };
}

export function apiNotFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new ApiError('not_found', 'There is no such API endpoint. See /api/v1/openapi.json for the ones there are.'));
}

/** The API's error handler: the one JSON shape for everything, including body-parser failures and crashes. */
export function apiErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) (req.log ?? logger).error({ err }, 'API request failed');
    if (res.headersSent) return;
    res.set(apiError.headers);
    sendJson(res, errorBody(apiError.code, apiError.message), apiError.status);
  };
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const type = (err as { type?: string } | undefined)?.type;
  if (type === 'entity.parse.failed') return new ApiError('invalid_json');
  if (type === 'entity.too.large') return new ApiError('payload_too_large');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new ApiError('unsupported_media_type');
  return new ApiError('internal_error');
}
