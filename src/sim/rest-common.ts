import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { TwilioApiError, sendTwilioError, twilioErrorBody } from './errors.js';
import type { Faults } from './faults.js';
import type { RequestLog } from './webhooks.js';

/** HTTP Basic auth on account SID + auth token, answered like Twilio: 401 with code 20003. */
export function basicAuth(accountSid: string, authToken: string): RequestHandler {
  const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  return (req, res, next) => {
    if (req.headers.authorization === expected) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
    res.status(401).json({ ...twilioErrorBody(401, 20003, 'Authenticate'), detail: '' });
  };
}

/** Injected REST failures and slowness; per-number faults apply to call creation by its To number. */
export function restFaults(faults: Faults): RequestHandler {
  return async (req, res, next) => {
    const number = typeof req.body?.To === 'string' ? req.body.To : undefined;
    const delay = faults.restDelayMs(number);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    const failure = faults.takeRestFailure(number);
    if (!failure) return next();
    if (failure.status === 429) res.setHeader('Retry-After', '1');
    res.status(failure.status).json(twilioErrorBody(failure.status, failure.code, failure.message));
  };
}

/** Records every REST request with the status it got. */
export function logRestRequests(log: RequestLog): RequestHandler {
  return (req, res, next) => {
    const params = { ...(req.query as Record<string, string | string[]>), ...((req.body ?? {}) as Record<string, string | string[]>) };
    const entry = log.add({ direction: 'inbound', kind: 'rest', method: req.method, url: req.originalUrl, params });
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    next();
  };
}

export const twilioErrors: ErrorRequestHandler = (err: unknown, _req: Request, res: Response, next: NextFunction) => {
  if (res.headersSent) return next(err);
  if (err instanceof TwilioApiError) return sendTwilioError(res, err);
  const status = (err as { status?: number }).status;
  if (status === 400) return sendTwilioError(res, new TwilioApiError(400, 20001, 'Bad request'));
  sendTwilioError(res, new TwilioApiError(500, 20500, 'Internal Server Error'));
};

/** Scheme and host the request came to: absolute URLs in responses point back at this simulator. */
export function requestOrigin(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

/** A single form value (repeated keys take the last one), or undefined. */
export function field(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** All values of a repeated form key. */
export function fields(body: Record<string, unknown> | undefined, name: string): string[] {
  const value = body?.[name];
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}
