import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Synchronizer-token CSRF protection: one random token per session, sent back by forms as `_csrf`
 * and by htmx as the `X-CSRF-Token` header (set once on <body hx-headers>).
 */
export function csrfProtection(options: { exempt: (req: Request) => boolean }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = (req.session.csrfToken ??= randomBytes(24).toString('base64url'));
    res.locals.csrfToken = token;
    if (SAFE_METHODS.has(req.method) || options.exempt(req)) return next();
    const sent = (req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf) as unknown;
    if (typeof sent === 'string' && sameToken(sent, token)) return next();
    next(new HttpError(403, 'Your session expired or the form was sent from another page. Reload the page and try again.'));
  };
}

/**
 * For the few routes exempted above because their body is multipart (read by the route itself, streamed): the
 * route checks the `_csrf` part (sent first) or the htmx header with this before accepting any upload.
 */
export function validCsrfToken(req: Request, sent: unknown): boolean {
  const token = req.session.csrfToken;
  const candidate = req.get('x-csrf-token') ?? sent;
  return typeof token === 'string' && typeof candidate === 'string' && sameToken(candidate, token);
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
