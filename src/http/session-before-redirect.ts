import type { Request, RequestHandler, Response } from 'express';
import type session from 'express-session';

/**
 * Mount right after express-session. When a redirect carries a changed session (a flash message, a log-in, a reset),
 * the session is saved before the redirect's headers leave.
 *
 * Why: express-session sends a response's headers (and all but its last byte) before its own save completes, to save
 * time. A browser follows a 303 on its headers alone, so the page it leads to could reach the store before the new
 * session row did: on PostgreSQL the log-in page after a password reset then found no session and showed no message
 * (and a log-in could land on a page that thought it was logged out). After this save, express-session sees the
 * session as saved and does not write it again; a regenerated session (log-in, reset) is the exception, as
 * express-session does not track its saves, and its row is written twice.
 */
export function saveSessionBeforeRedirect(): RequestHandler {
  return (req, res, next) => {
    if (!req.session) return next();
    const loadedId = req.sessionID;
    const loaded = dataOf(req.session);
    const end = res.end;
    res.end = function endAfterSave(this: Response, ...args: unknown[]) {
      if (!isRedirect(res) || res.headersSent || !changed(req, loadedId, loaded)) return (end as (...a: unknown[]) => Response).apply(this, args);
      // A failed save is left to express-session, which tries again at its end and reports the error its own way.
      req.session.save(() => (end as (...a: unknown[]) => Response).apply(this, args));
      return this;
    } as Response['end'];
    next();
  };
}

function isRedirect(res: Response): boolean {
  return res.statusCode >= 300 && res.statusCode < 400;
}

/** Changed as express-session judges it with saveUninitialized off: a new id (regenerated) counts once it holds data. */
function changed(req: Request, loadedId: string, loaded: string): boolean {
  if (!req.session) return false;
  const now = dataOf(req.session);
  return req.sessionID !== loadedId ? now !== EMPTY : now !== loaded;
}

const EMPTY = '{}';

function dataOf(sess: session.Session & Partial<session.SessionData>): string {
  const { cookie: _cookie, ...data } = sess;
  return JSON.stringify(data);
}
