import type { NextFunction, Request, Response } from 'express';
import type { FlashMessage } from './session-types.js';

/** Messages that survive one redirect (post/redirect/get), then are shown once. */
export function flash(req: Request, kind: FlashMessage['kind'], text: string): void {
  (req.session.flash ??= []).push({ kind, text });
}

export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  res.locals.flash = req.session.flash ?? [];
  if (req.session.flash) delete req.session.flash;
  next();
}
