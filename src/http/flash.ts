import type { NextFunction, Request, Response } from 'express';
import type { FlashMessage } from './session-types.js';

/** Messages that survive one redirect (post/redirect/get), then are shown once. */
export function flash(req: Request, kind: FlashMessage['kind'], text: string): void {
  (req.session.flash ??= []).push({ kind, text });
}

/**
 * Hands the waiting messages to the page being rendered, and forgets them. Only a page navigation takes them: a form
 * post, an htmx fragment or a script's fetch renders no layout, so taking them there lost them. A request the old
 * page still had in flight, or a second form sent before the redirect was followed, reached the session between the
 * redirect and the page it leads to, and the message never showed.
 */
export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  if (!showsAPage(req)) {
    res.locals.flash = [];
    return next();
  }
  res.locals.flash = req.session.flash ?? [];
  if (req.session.flash) delete req.session.flash;
  next();
}

function showsAPage(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !req.get('HX-Request') && req.get('Sec-Fetch-Dest') !== 'empty';
}
