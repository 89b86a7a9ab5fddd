import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type {} from './api-request.js';

/**
 * The API's own request log and headers. The web stack's pino-http, compression and helmet cost more than the
 * API's whole work on a status poll, and their CSP and HTML concerns do not apply to JSON: one log line per
 * request (with the token id, never the token) and a fixed set of headers is all the API needs.
 */
const FIXED_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

const FIXED_HEADER_LIST = Object.entries(FIXED_HEADERS);
const REQUEST_ID = /^[\w.-]{1,64}$/;

export function apiRequestLog(logger: Logger) {
  const log = logger.child({ component: 'api' });
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('x-request-id');
    const id = header && REQUEST_ID.test(header) ? header : randomUUID();
    for (const [name, value] of FIXED_HEADER_LIST) res.setHeader(name, value);
    res.setHeader('X-Request-Id', id);
    if (log.isLevelEnabled('info')) {
      const started = performance.now();
      res.once('finish', () => {
        log.info({ reqId: id, method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(performance.now() - started), tokenId: req.apiCaller?.token.id }, 'api request');
      });
    }
    next();
  };
}

/**
 * res.json without Express's send(): no ETag hash of the body (API answers are no-store anyway) and no content
 * negotiation, measurably cheaper on the poll path.
 */
export function sendJson(res: Response, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
