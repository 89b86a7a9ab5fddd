import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Agenda } from 'agenda';
import type * as AgendashModule from 'agendash';
import { sameOriginOnly } from '../http/same-origin.js';
import { publicDir } from '../paths.js';
import { loadOnDemand } from '../shared/load-on-demand.js';

/** Where the app mounts the dashboard; the admin area links here. */
export const jobsDashboardPath = '/admin/jobs/';

/**
 * Agendash's UI and API. Its page loads ./assets and calls ./api relative to itself, so it must be reached with
 * a trailing slash (see jobsDashboardRouter). It sets its own Content-Security-Policy: default-src 'self' with
 * no inline or eval script, but style-src 'self' 'unsafe-inline' (the Vue UI binds inline styles); an app-wide
 * CSP stricter than that on styles would break its layout.
 */
export function createJobsDashboard(agenda: Agenda): Router {
  return agendash().createExpressMiddleware(agenda);
}

/** Agendash is loaded the first time an admin opens the dashboard: most processes never serve it. */
function agendash(): typeof AgendashModule {
  return loadOnDemand('agendash') as typeof AgendashModule;
}

/** The dashboard as the app mounts it: app.use('/admin/jobs', jobsDashboardRouter({ agenda, requireAdmin })). */
export function jobsDashboardRouter(options: { agenda: Agenda; requireAdmin: RequestHandler }): Router {
  const router = Router();
  router.use(options.requireAdmin);
  router.use(redirectToTrailingSlash);
  // Agendash accepts form-encoded POSTs, which another site could submit with the admin's cookies.
  router.use(sameOriginOnly((res) => void res.json({ error: 'cross-origin request refused' })));
  let dashboard: { page: string | undefined; cspHeader: string; middleware: Router } | undefined;
  const loaded = () => (dashboard ??= { page: agendashPageWithWayBack(), cspHeader: agendash().cspHeader, middleware: createJobsDashboard(options.agenda) });
  router.get(['/', '/index.html'], (req, res, next) => {
    const { page, cspHeader } = loaded();
    if (!page) return next();
    res.set('Content-Security-Policy', cspHeader).type('html').send(page);
  });
  router.use((req, res, next) => loaded().middleware(req, res, next));
  return router;
}

/**
 * Agendash's own page plus a link back to callbridge's admin area: one stylesheet link and one <nav>, added
 * once at start-up. It is served under Agendash's CSP (no script of ours, no inline style). Should a future
 * Agendash change its page so the markers are missing, its page is served unchanged.
 */
export function agendashPageWithWayBack(): string | undefined {
  const require = createRequire(import.meta.url);
  const html = readFileSync(join(dirname(require.resolve('agendash')), '..', 'public', 'index.html'), 'utf8');
  if (!html.includes('</head>') || !/<body>/.test(html)) return undefined;
  const css = readFileSync(join(publicDir, 'jobs-bar.css'));
  const cssUrl = `/static/jobs-bar.css?v=${createHash('sha256').update(css).digest('hex').slice(0, 10)}`;
  return html
    .replace('</head>', `<link rel="stylesheet" href="${cssUrl}">\n<link rel="icon" href="/favicon.ico">\n</head>`)
    .replace('<body>', '<body>\n<nav class="callbridge-bar" aria-label="callbridge"><a href="/admin">← Back to callbridge admin</a></nav>');
}

function redirectToTrailingSlash(req: Request, res: Response, next: NextFunction): void {
  const [path, query] = splitQuery(req.originalUrl);
  if (req.path === '/' && !path.endsWith('/')) return res.redirect(301, `${path}/${query}`);
  next();
}

function splitQuery(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
