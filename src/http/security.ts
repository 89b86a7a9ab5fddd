import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';
import { retryMessage, type AttemptCounters, type LimitPolicy } from '../rate-limits/attempt-counters.js';

/**
 * Strict CSP: only our own scripts and styles; htmx is configured (public/htmx-config.js) to need neither eval nor
 * inline styles. Document policies (CSP, COOP, Origin-Agent-Cluster, X-Frame-Options, Referrer-Policy...) go on what a
 * browser may render as a page. A response it can only hand to a script or load as a subresource gets the lean set
 * instead (docs/security.md, "Headers"): on a slow link each of these responses carried more header than body.
 */
export function securityHeaders(options: { https: boolean }) {
  const forDocuments = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // font-src and connect-src fall back to default-src 'self': the same policy, fewer bytes on every page.
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
  // No sniffing, same-origin loads only, HTTPS remembered; the page's own policies govern what these responses do.
  const forSubresources = helmet({
    contentSecurityPolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    strictTransportSecurity: options.https,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (neverAPage(req)) return forSubresources(req, res, next);
    res.setHeader('Permissions-Policy', NO_CLIENT_HINTS);
    leanIfRedirect(res);
    forDocuments(req, res, next);
  };
}

/** Headers that only govern a document the browser renders. */
const DOCUMENT_POLICIES = ['Content-Security-Policy', 'Cross-Origin-Opener-Policy', 'Origin-Agent-Cluster', 'Permissions-Policy', 'Referrer-Policy', 'X-DNS-Prefetch-Control', 'X-Download-Options', 'X-Frame-Options', 'X-Permitted-Cross-Domain-Policies', 'X-XSS-Protection'];

/**
 * A redirect is never rendered: the browser follows its Location, and the page it lands on brings its own policies
 * (after a log-in, the redirect to the dial page is on the path a person waits for). Decided as the head is written,
 * since a route decides to redirect after this middleware has run.
 */
function leanIfRedirect(res: Response): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: Response, statusCode: number, ...rest: unknown[]) {
    if ([301, 302, 303, 307, 308].includes(statusCode) && this.hasHeader('Location')) for (const name of DOCUMENT_POLICIES) this.removeHeader(name);
    return (writeHead as (...args: unknown[]) => Response).call(this, statusCode, ...rest);
  } as typeof res.writeHead;
}

/**
 * Chromium adds three client hints (Sec-CH-UA, -Mobile, -Platform) to every request a page makes, each status poll
 * included, unless the page's permissions policy turns them off. We use none of them.
 */
const NO_CLIENT_HINTS = 'ch-ua=(), ch-ua-mobile=(), ch-ua-platform=()';

/**
 * Our fingerprinted static files (fixed content we ship, never built from a request), and answers to fetch() or htmx
 * requests (Sec-Fetch-Dest: empty, which a navigation never sends and a page cannot forge for one): neither is ever
 * rendered as a document. A browser that sends no Sec-Fetch-Dest gets the full set.
 */
function neverAPage(req: Request): boolean {
  return req.path.startsWith('/static/') || req.get('sec-fetch-dest') === 'empty';
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
