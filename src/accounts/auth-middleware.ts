import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import type { User, UsersRepository } from './users-repository.js';

/** Where the session store hands over the user it read along with the session row (DatabaseSessionStore). */
export interface SessionUsers {
  /** The user read with session `sid` if its id is `userId`, else undefined: not read, look it up. */
  takeUser(sid: string, userId: number): User | undefined;
}

/**
 * Loads the logged-in user and exposes it to views; a disabled account counts as logged out. The session store has
 * usually read the user already (same statement as the session); only otherwise is it one primary-key lookup.
 */
export function loadUser(users: UsersRepository, sessionUsers: SessionUsers) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const id = req.session.userId;
    if (id !== undefined) {
      // The lookup covers sessions whose user_id column is null or disagrees with their data.
      const user = sessionUsers.takeUser(req.sessionID, id) ?? (await users.findById(id));
      // A disabled account is logged out on its next request even if a session row survived.
      req.user = user && !user.disabledAt ? user : undefined;
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

/**
 * Calling, verifying a phone and paying need a confirmed address; looking around does not. A form post is sent back
 * to the account page with the reason (htmx gets the message as a 403 fragment).
 */
export function requireConfirmedEmail(req: Request, res: Response, next: NextFunction): void {
  if (!req.user) return requireUser(req, res, next);
  if (req.user.emailConfirmedAt) return next();
  const message = 'Confirm your email address first: follow the link we emailed you (or send a new one from your account page).';
  if (req.get('hx-request')) return void res.status(403).type('text').send(message);
  (req.session.flash ??= []).push({ kind: 'error', text: message });
  res.redirect(303, '/account');
}
