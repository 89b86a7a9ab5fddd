import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppMetrics } from './metrics.js';

/**
 * GET /metrics, registered once: a scraper sends `Authorization: Bearer <METRICS_TOKEN>`, an administrator looks at
 * the same text in a browser with their session. A scrape carries no session cookie, so it reads and writes no
 * session row.
 */
export function metricsEndpoint(metrics: AppMetrics, token: string | undefined): RequestHandler {
  const scraper = metricsForScraper(metrics, token);
  const admin = metricsForAdmin(metrics);
  return (req, res, next) => scraper(req, res, () => admin(req, res, next));
}

/** A scraper's request (`Authorization: Bearer <METRICS_TOKEN>`); without an Authorization header it calls next(). */
export function metricsForScraper(metrics: AppMetrics, token: string | undefined): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    if (!token || !bearerMatches(header, token)) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"').status(401).type('text/plain').send('Invalid metrics token.\n');
      return;
    }
    await sendMetrics(metrics, res);
  };
}

/** GET /metrics for a logged-in admin (the same text, to look at in a browser). */
export function metricsForAdmin(metrics: AppMetrics): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    if (!req.user) {
      res.set('WWW-Authenticate', 'Bearer realm="metrics"').status(401).type('text/plain').send('Log in as an administrator or send the metrics bearer token.\n');
      return;
    }
    if (req.user.role !== 'admin') {
      res.status(403).type('text/plain').send('Metrics are for administrators only.\n');
      return;
    }
    await sendMetrics(metrics, res);
  };
}

/**
 * Times every webhook: mount it on `mountPath`, ahead of the webhook routes. Labelled by the matched route
 * pattern (never the URL itself, which holds call ids), so the label set stays small.
 */
export function webhookTiming(metrics: AppMetrics, mountPath = '/twilio'): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = req.route ? `${mountPath}${String(req.route.path)}` : 'unmatched';
      metrics.webhookSeconds.observe({ route, status: String(res.statusCode) }, (performance.now() - started) / 1000);
    });
    next();
  };
}

async function sendMetrics(metrics: AppMetrics, res: Response): Promise<void> {
  const { contentType, body } = await metrics.render();
  res.set('Cache-Control', 'no-store').type(contentType).send(body);
}

/** Constant-time comparison of digests, so neither the token's content nor its length leaks through timing. */
function bearerMatches(header: string, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
