import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { callLogProps } from './call-log-context.js';

/** Long query strings are cut so one request stays one short line. */
const MAX_LOGGED_URL = 160;

const bytesSent = new WeakMap<ServerResponse, number>();

/**
 * One short line per request: request id, method, url, status, time and bytes sent. Headers are left out on
 * purpose: they made every line many times longer and carried cookies to redact anyway.
 */
export function requestLogger(logger: Logger): RequestHandler[] {
  const log = pinoHttp({
    logger,
    genReqId: (req, res) => requestId(req.headers['x-request-id'], res),
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    customProps: callLogProps,
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: shortUrl(req.url) }),
      res: (res: { statusCode: number; raw: ServerResponse }) => ({ statusCode: res.statusCode, bytes: bytesSent.get(res.raw) ?? 0 }),
    },
  });
  return [countBytesSent, log];
}

/**
 * Counts what goes on the wire. Registered before compression, whose write wraps this one, so the count is of
 * compressed bytes.
 */
function countBytesSent(_req: Request, res: Response, next: NextFunction): void {
  bytesSent.set(res, 0);
  const add = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === 'string') bytesSent.set(res, bytesSent.get(res)! + Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) bytesSent.set(res, bytesSent.get(res)! + chunk.byteLength);
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: Response, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: Response, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') add(chunk, rest[0]);
    return (end as (...args: unknown[]) => Response).call(this, chunk, ...rest);
  } as typeof res.end;
  next();
}

function shortUrl(url: string): string {
  return url.length > MAX_LOGGED_URL ? `${url.slice(0, MAX_LOGGED_URL)}…` : url;
}

function requestId(header: string | string[] | undefined, res: ServerResponse<IncomingMessage>): string {
  const id = typeof header === 'string' && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
