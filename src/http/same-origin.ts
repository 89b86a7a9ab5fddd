import type { NextFunction, Request, RequestHandler, Response } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request came from one of this site's own pages (or the user typed it), by the browser's own headers:
 * the one same-origin rule of the app, used by the CSRF check of public forms, the handset pages and the jobs
 * dashboard.
 *
 * - Sec-Fetch-Site, sent by every current browser: "same-origin" or "none" (typed, bookmarked) is ours, any other
 *   value is not. It comes first because our no-referrer policy makes a plain form post send `Origin: null`.
 * - Otherwise Origin must name this host. `Origin: null` (a sandboxed frame, a redirect chain) is refused.
 * - With neither header the request is not from a current browser. It is refused when it carries cookies (ambient
 *   authority is what CSRF abuses); without cookies it has nothing to abuse, and non-browser clients pass.
 *
 * Host, not scheme, is compared: TLS usually ends at a proxy, so the scheme the app sees need not be the page's.
 */
export function isSameOrigin(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  if (origin !== undefined) return origin !== 'null' && hostOf(origin) === req.host;
  return !req.get('cookie');
}

/** Refuses state changes (anything but GET, HEAD, OPTIONS) that fail isSameOrigin; `refuse` writes the answer. */
export function sameOriginOnly(refuse: (res: Response) => void = refuseAsText): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || isSameOrigin(req)) return next();
    refuse(res.status(403));
  };
}

function refuseAsText(res: Response): void {
  res.type('text').send('Refused: this request did not come from a page of this site.');
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}
