import type { NextFunction, Request, Response } from 'express';

/**
 * An unconfirmed account may look around; every full page says what is missing and links to the account page
 * (where a new link can be sent). No database read: the user is already loaded. GET pages only, no htmx fragments.
 */
export function confirmEmailBannerMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (!req.user || req.user.emailConfirmedAt || req.method !== 'GET' || req.get('hx-request') === 'true') return next();
  req.app.render('partials/confirm-email-banner', { email: req.user.email }, (err, html) => {
    if (err) return next(err);
    res.locals.banners = `${String(res.locals.banners ?? '')}${html}`;
    next();
  });
}
