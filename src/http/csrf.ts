import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { HttpError } from './errors.js';
import { isSameOrigin } from './same-origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A public form (log-in, sign-up) may stay open this long before its token is refused. */
export const FORM_TOKEN_TTL_MS = 12 * 3600 * 1000;
const EXPIRED_MESSAGE = 'Your session expired or the form was sent from another page. Reload the page and try again.';

export interface CsrfOptions {
  exempt: (req: Request) => boolean;
  /** Signs the tokens of public forms; derived per purpose, so it never doubles as the cookie signature. */
  secret: string;
  clock: Clock;
}

/**
 * CSRF protection in two forms. Logged in: one random token per session (synchronizer token), sent back by forms as
 * `_csrf` and by htmx as `X-CSRF-Token` (set once on <body hx-headers>). Anonymous: a token signed and timed when the
 * form is shown, plus the browser's own proof that our page sent it (isSameOrigin), so a visitor who only reads pages
 * gets no session row and no cookie.
 */
export function csrfProtection(options: CsrfOptions) {
  const formKey = createHmac('sha256', options.secret).update('callbridge public form token').digest();
  const signFormToken = (issuedAt: string) => createHmac('sha256', formKey).update(issuedAt).digest('base64url');
  const newFormToken = () => {
    const issuedAt = options.clock.now().getTime().toString(36);
    return `${issuedAt}.${signFormToken(issuedAt)}`;
  };
  const validFormToken = (sent: string) => {
    const [issuedAt, signature] = sent.split('.');
    if (!issuedAt || !signature || !sameToken(signature, signFormToken(issuedAt))) return false;
    const age = options.clock.now().getTime() - Number.parseInt(issuedAt, 36);
    return age >= 0 && age < FORM_TOKEN_TTL_MS;
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    const loggedIn = req.session?.userId !== undefined;
    const token = loggedIn ? (req.session.csrfToken ??= randomBytes(24).toString('base64url')) : newFormToken();
    res.locals.csrfToken = token;
    if (SAFE_METHODS.has(req.method) || options.exempt(req)) return next();
    const sent = sentToken(req);
    const ok = loggedIn ? sent !== undefined && sameToken(sent, token) : sent !== undefined && validFormToken(sent) && isSameOrigin(req);
    if (ok) return next();
    next(new HttpError(403, EXPIRED_MESSAGE));
  };
}

/**
 * For the few routes exempted above because their body is multipart (read by the route itself, streamed): the
 * route checks the `_csrf` part (sent first) or the htmx header with this before accepting any upload.
 */
export function validCsrfToken(req: Request, sent: unknown): boolean {
  // Only logged-in users upload (admins), so the session's synchronizer token is the one to match.
  const token = req.session?.csrfToken;
  const candidate = req.get('x-csrf-token') ?? sent;
  return typeof token === 'string' && typeof candidate === 'string' && sameToken(candidate, token);
}

function sentToken(req: Request): string | undefined {
  const sent = (req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf) as unknown;
  return typeof sent === 'string' ? sent : undefined;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
