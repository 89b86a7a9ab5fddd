import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Request, Response, NextFunction } from 'express';
import type { Clock } from '../clock.js';
import type { CallsService } from './calls-service.js';
import type { CallChangeFeed, CallWaiter } from './call-changes.js';
import type { CallRecord } from './calls-repository.js';
import { callStatusView, seenKey } from './call-view.js';
import { isLive } from './call-state.js';
import { sessionIdFrom } from '../http/session-cookie.js';

/** The htmx event a status fragment fires on the page when it shows a call that is over. */
export const CALL_ENDED_EVENT = 'call-ended';

/** How long a status request waits for a change before answering 204 (the page then asks again at once). */
export const STATUS_WAIT_MS = 25_000;

export interface StatusPollDeps {
  calls: Pick<CallsService, 'findWithSession' | 'liveCost'>;
  /** Who waits for which call on this instance; without it the poll answers at once (204 when unchanged). */
  changes?: CallChangeFeed | undefined;
  /** The longest wait (default STATUS_WAIT_MS). */
  waitMs?: number | undefined;
  sessionSecret: string;
  currency: string;
  clock: Clock;
  render(view: string, data: object): string;
}

type Found = { call: CallRecord; csrfToken: string };

/**
 * GET /calls/:id/status, mounted before the session middleware: the status poll is the hottest path there is.
 * It reads the signed session cookie itself and makes one indexed read (the call joined to its session row by
 * primary keys), writes nothing, sets no cookie and answers with only the headers the fragment needs.
 * The fragment asks with ?seen=<the state it shows>. A different state is answered at once; the same state is a
 * long poll: the request waits, without reading the database, until this instance hears that the call changed
 * (CallChangeFeed), then reads it once more; after the wait limit or at shutdown it answers an empty 204, which
 * htmx does not swap, and public/call-wait.js asks again.
 */
export function statusPoll(deps: StatusPollDeps) {
  const waitMs = deps.waitMs ?? STATUS_WAIT_MS;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    let waiter: CallWaiter | undefined;
    res.on('close', () => waiter?.cancel());
    try {
      const callId = String(req.params.id);
      const sid = sessionIdFrom(req.headers.cookie, deps.sessionSecret);
      if (!sid || !/^cl_[a-z2-7]{20}$/.test(callId)) return notFound(res, sid !== undefined, callId);
      const seen = typeof req.query.seen === 'string' ? req.query.seen : undefined;
      const deadline = Date.now() + waitMs;
      // Subscribed before the read: a change committed after it wakes us, one committed before it is in what we read.
      waiter = seen !== undefined ? deps.changes?.wait(callId, waitMs) : undefined;
      await waiter?.ready;
      let found = await read(deps, callId, sid);
      if (!found) {
        waiter?.cancel();
        return notFound(res, true, callId);
      }
      while (seen !== undefined && unchanged(found.call, seen)) {
        const outcome = waiter ? await waiter.outcome : 'timeout';
        if (outcome !== 'changed' || res.destroyed) return noChange(res, outcome === 'closed');
        waiter = deps.changes!.wait(callId, Math.max(1, deadline - Date.now()));
        const again = await read(deps, callId, sid);
        // Logged out, or the session expired while waiting: the next ask is answered as such.
        if (!again) return noChange(res, false);
        found = again;
      }
      waiter?.cancel();
      if (res.destroyed) return;
      // A connected call's price reads its hold once, only when the fragment changes (not while the request waits).
      const liveCost = await deps.calls.liveCost(found.call);
      const view = callStatusView(found.call, { now: deps.clock.now(), currency: deps.currency, csrfToken: found.csrfToken, liveCost });
      const { body, encoding } = encoded(deps.render('partials/call-status', view), req.headers['accept-encoding']);
      // Once, at the end: lets the rest of the page (the dial preview's "call in progress") catch up.
      const ended = isLive(found.call.status) ? {} : { 'HX-Trigger': CALL_ENDED_EVENT };
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Content-Length': body.length, Vary: 'Accept-Encoding', ...encoding, ...ended });
      res.end(body);
    } catch (err) {
      waiter?.cancel();
      next(err);
    }
  };
}

/**
 * The fragment, compressed here (this route is mounted before the compression middleware, which would cost more
 * than the read): about half the bytes on a metered link, for well under a millisecond of CPU.
 */
function encoded(html: string, acceptEncoding: string | string[] | undefined): { body: Buffer; encoding: { 'Content-Encoding'?: string } } {
  const accepted = String(acceptEncoding ?? '');
  if (/\bbr\b/.test(accepted)) return { body: brotliCompressSync(html, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: html.length } }), encoding: { 'Content-Encoding': 'br' } };
  if (/\bgzip\b/.test(accepted)) return { body: gzipSync(html, { level: 6 }), encoding: { 'Content-Encoding': 'gzip' } };
  return { body: Buffer.from(html), encoding: {} };
}

/** The browser already shows this: the same state, and (once over) the cost is still being worked out. */
function unchanged(call: CallRecord, seen: string): boolean {
  return seen === seenKey(call) && (isLive(call.status) || !call.settledAt);
}

/** The call and the session's CSRF token, if the session is live and belongs to the call's owner. */
async function read(deps: StatusPollDeps, callId: string, sid: string): Promise<Found | undefined> {
  const found = await deps.calls.findWithSession(callId, sid);
  const session = found ? parseSession(found.sessionData) : undefined;
  if (!found || !session || session.userId !== found.call.userId) return undefined;
  return { call: found.call, csrfToken: session.csrfToken ?? '' };
}

/** Nothing new: an empty 204 (htmx keeps what it shows). At shutdown the connection closes too. */
function noChange(res: Response, closing: boolean): void {
  if (res.destroyed) return;
  res.writeHead(204, { 'Cache-Control': 'no-store', ...(closing ? { Connection: 'close' } : {}) });
  res.end();
}

/** Not logged in, someone else's call, or no such call: the same answer for all, sent to the full page. */
function notFound(res: Response, loggedIn: boolean, callId: string): void {
  const page = `/calls/${encodeURIComponent(callId)}`;
  // htmx keeps polling after an error; sending it to the page lets the page's own checks answer (log-in or 404).
  // The poll sends no HX-Request header (noHeaders), so the redirect hint always goes along; browsers ignore it.
  res.setHeader('HX-Redirect', loggedIn ? page : `/login?next=${encodeURIComponent(page)}`);
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
  res.end('This call was not found.');
}

function parseSession(data: string): { userId?: number; csrfToken?: string } | undefined {
  try {
    return JSON.parse(data) as { userId?: number; csrfToken?: string };
  } catch {
    return undefined;
  }
}
