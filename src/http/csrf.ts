import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { HttpError } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A public form (log-in, sign-up) may stay open this long before its token is refused. */
const FORM_TOKEN_TTL_MS = 12 * 3600 * 1000;
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
 * form is shown, plus a same-origin check, so a visitor who only reads pages gets no session row and no cookie.
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
    const ok = loggedIn ? sent !== undefined && sameToken(sent, token) : sent !== undefined && validFormToken(sent) && sameOrigin(req);
    if (ok) return next();
    next(new HttpError(403, EXPIRED_MESSAGE));
  };
}

function sentToken(req: Request): string | undefined {
  const sent = (req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf) as unknown;
  return typeof sent === 'string' ? sent : undefined;
}

/**
 * A form token proves the form was ours; the browser's own headers prove this page, not another site, sent it.
 * Sec-Fetch-Site first (our Referrer-Policy makes Chrome send "Origin: null" on form posts); Origin when it is absent.
 */
function sameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = req.get('origin');
  if (!origin || origin === 'null') return true;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
