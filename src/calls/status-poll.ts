import type { Request, Response, NextFunction } from 'express';
import type { Clock } from '../clock.js';
import type { CallsService } from './calls-service.js';
import { callStatusView, seenKey } from './call-view.js';
import { isLive } from './call-state.js';
import { sessionIdFrom } from '../http/session-cookie.js';

/** The htmx event a status fragment fires on the page when it shows a call that is over. */
export const CALL_ENDED_EVENT = 'call-ended';

export interface StatusPollDeps {
  calls: Pick<CallsService, 'findWithSession'>;
  sessionSecret: string;
  currency: string;
  clock: Clock;
  render(view: string, data: object): string;
}

/**
 * GET /calls/:id/status, mounted before the session middleware: the status poll is the hottest path there is.
 * It reads the signed session cookie itself and makes exactly one indexed read (the call joined to its session
 * row by primary keys), writes nothing, sets no cookie and answers with only the headers the fragment needs.
 * The fragment polls with ?seen=<the state it shows> and without htmx's request headers (hx-request noHeaders):
 * while the state is unchanged the answer is an empty 204, which htmx does not swap, so the clock keeps ticking.
 */
export function statusPoll(deps: StatusPollDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const callId = String(req.params.id);
      const sid = sessionIdFrom(req.headers.cookie, deps.sessionSecret);
      const found = sid && /^cl_[a-z2-7]{20}$/.test(callId) ? await deps.calls.findWithSession(callId, sid) : undefined;
      const session = found ? parseSession(found.sessionData) : undefined;
      if (!found || !session || session.userId !== found.call.userId) {
        notFound(req, res, sid !== undefined, callId);
        return;
      }
      // The browser already shows this state (the connected clock ticks by itself): nothing to send.
      if (req.query.seen === seenKey(found.call) && isLive(found.call.status)) {
        res.writeHead(204, { 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      const view = callStatusView(found.call, { now: deps.clock.now(), currency: deps.currency, csrfToken: session.csrfToken ?? '' });
      const html = deps.render('partials/call-status', view);
      // Once, at the end: lets the rest of the page (the dial preview's "call in progress") catch up.
      const ended = isLive(found.call.status) ? {} : { 'HX-Trigger': CALL_ENDED_EVENT };
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(html), ...ended });
      res.end(html);
    } catch (err) {
      next(err);
    }
  };
}

/** Not logged in, someone else's call, or no such call: the same answer for all, sent to the full page. */
function notFound(_req: Request, res: Response, loggedIn: boolean, callId: string): void {
  const page = `/calls/${encodeURIComponent(callId)}`;
  // htmx keeps polling after an error; sending it to the page lets the page's own checks answer (log-in or 404).
  // The poll sends no HX-Request header (noHeaders), so the redirect hint always goes along; browsers ignore it.
  res.setHeader('HX-Redirect', loggedIn ? page : `/login?next=${encodeURIComponent(page)}`);
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end('This call was not found.');
}

function parseSession(data: string): { userId?: number; csrfToken?: string } | undefined {
  try {
    return JSON.parse(data) as { userId?: number; csrfToken?: string };
  } catch {
    return undefined;
  }
}
