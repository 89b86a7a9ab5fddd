import type { NextFunction, Request, Response } from 'express';

/**
 * Until a user has a verified phone nothing can be called, so every full page (the home page included) says so and
 * links to /account/phone. No database read: the user is already loaded. Skipped on the phone page itself, for htmx
 * fragments and for anything but GET, and on an admin's console pages (an admin there is working, not calling).
 */
export function verifyPhoneBannerMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (!req.user || req.user.phoneVerifiedAt || req.method !== 'GET' || req.get('hx-request') === 'true' || req.path.startsWith('/account/phone') || (req.user.role === 'admin' && isAdminPath(req.path))) return next();
  req.app.render('partials/verify-phone-banner', {}, (err, html) => {
    if (err) return next(err);
    // The layout prints res.locals.banners as HTML; other features may have put their own banner there already.
    res.locals.banners = `${String(res.locals.banners ?? '')}${html}`;
    next();
  });
}

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}
