import helmet from 'helmet';
import { rateLimit, type Store } from 'express-rate-limit';

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
        formAction: ["'self'"],
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
 * Slows password guessing: per client address, counted on failures and successes alike. Give it a shared store
 * (DatabaseRateLimitStore) when several instances serve the app; without one it counts in this process only.
 */
export function authRateLimit(options: { windowMs?: number; limit?: number; store?: Store } = {}) {
  return rateLimit({
    ...(options.store ? { store: options.store } : {}),
    windowMs: options.windowMs ?? 15 * 60 * 1000,
    limit: options.limit ?? 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => req.method === 'GET',
    handler: (_req, res) => {
      res.status(429).render('pages/error', {
        title: 'Too many attempts',
        status: 429,
        message: 'Too many attempts from your connection. Wait a few minutes and try again.',
      });
    },
  });
}
