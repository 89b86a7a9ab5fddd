import type { Express, Response } from 'express';

/**
 * Redirects without a body. Express writes a "Redirecting to ..." note and its Content-Type under every Location, about
 * 140 bytes that no browser shows (it follows the Location at once, htmx's requests too). After every form on a slow
 * link the person waits for them; curl and other clients read the Location like a browser does.
 */
export function bareRedirects(app: Express): void {
  app.response.redirect = function redirect(this: Response, statusOrUrl: number | string, url?: string): void {
    const [status, location] = typeof statusOrUrl === 'number' ? [statusOrUrl, url ?? '/'] : [302, statusOrUrl];
    this.location(location);
    this.status(status);
    this.setHeader('Content-Length', '0');
    this.end();
  } as Response['redirect'];
}
