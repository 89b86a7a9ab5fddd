import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/** An error whose message is safe to show the user. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too large',
  429: 'Too many requests',
  500: 'Something went wrong',
};

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'There is nothing at this address. Check the link, or start again from the home page.'));
}

/** Renders a friendly page (or fragment for htmx); stack traces go to the log, never to the browser. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(err);
    const message =
      err instanceof HttpError
        ? err.message
        : status < 500
          ? clientMessage(err)
          : 'An unexpected error stopped this page. It has been logged; please try again in a moment.';
    if (status >= 500) (req.log ?? logger).error({ err }, 'request failed');
    if (res.headersSent) return;
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json' && !req.accepts('html')) {
      res.json({ error: message });
      return;
    }
    const view = req.get('hx-request') ? 'partials/error-fragment' : 'pages/error';
    res.render(view, { title: TITLES[status] ?? 'Error', status, message }, (renderErr: Error | null, html?: string) => {
      if (renderErr) {
        // The error page itself failed: answer in plain text rather than let Express print a stack trace.
        (req.log ?? logger).error({ err: renderErr }, 'error page failed to render');
        res.type('text/plain').send(message);
        return;
      }
      res.send(html);
    });
  };
}

function statusOf(err: unknown): number {
  const candidate = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate < 600 ? candidate : 500;
}

function clientMessage(err: unknown): string {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return 'What you sent is too large.';
  if (type === 'entity.parse.failed') return 'What you sent could not be read.';
  return 'The request could not be handled.';
}
