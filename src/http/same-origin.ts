import type { NextFunction, Request, RequestHandler, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF guard for pages that have no session, so no token: a state change must come from this site's own pages.
 * Browsers send Sec-Fetch-Site on every request, "same-origin" from our pages whatever the Referrer-Policy; our
 * no-referrer policy makes a plain form post send `Origin: null`, so Origin (or Referer) naming this host is only the
 * fallback for browsers without Fetch Metadata. A request with none of them is refused.
 */
export function sameOriginOnly(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || isSameOrigin(req)) return next();
    res.status(403).type('text').send('Refused: this request did not come from a page of this site.');
  };
}

function isSameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = req.get('origin');
  const source = origin && origin !== 'null' ? origin : req.get('referer');
  return source !== undefined && hostOf(source) === req.host;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
