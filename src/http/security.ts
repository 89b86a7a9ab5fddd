import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';
import { retryMessage, type AttemptCounters, type LimitPolicy } from '../rate-limits/attempt-counters.js';

/** Strict CSP: only our own scripts and styles; htmx is configured (meta htmx-config) to need neither eval nor inline styles. */
export function securityHeaders(options: { https: boolean }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        // Stripe's hosted checkout: POST /wallet/top-up answers 303 to it, and browsers apply form-action to that redirect.
        formAction: ["'self'", 'https://checkout.stripe.com'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: options.https,
  });
}

/**
 * Counts every POST from one client address in the database (shared by every process, kept across restarts); past
 * the limit, a 429 page says when to try again. Log-ins have finer limits of their own (accounts-service.ts).
 */
export function limitByAddress(counters: AttemptCounters, policy: LimitPolicy) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method === 'GET') return next();
    const state = await counters.consume(policy, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (!state.blocked) return next();
    res.set('Retry-After', String(Math.ceil(state.retryInMs / 1000)));
    res.status(429).render('pages/error', { title: 'Too many attempts', status: 429, message: `Too many attempts from your connection. ${retryMessage(state.retryInMs)}` });
  };
}
