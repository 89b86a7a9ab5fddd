import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import type { UsersRepository } from './users-repository.js';

/** Loads the logged-in user (one primary-key lookup) and exposes it to views. */
export function loadUser(users: UsersRepository) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const id = req.session.userId;
    if (id !== undefined) {
      req.user = await users.findById(id);
      if (!req.user) delete req.session.userId;
    }
    // Pages for a logged-in user hold their data: no cache may keep them (after log-out, Back must not show the wallet).
    if (req.user) res.set('Cache-Control', 'no-store');
    res.locals.user = req.user;
    next();
  };
}

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (req.get('hx-request')) {
    // A full redirect for htmx, so an expired session lands on the log-in page instead of inside a fragment.
    res.set('HX-Redirect', '/login').status(401).end();
    return;
  }
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
}

export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (!req.user) return requireUser(req, res, next);
  if (req.user.role !== 'admin') return next(new HttpError(403, 'This area is for administrators only.'));
  next();
}
