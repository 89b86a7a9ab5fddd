import type { Request } from 'express';
import { renderPartial } from '../http/page-banners.js';

/**
 * Until a user has a verified phone nothing can be called, so every full page (the home page included) says so and
 * links to /account/phone. No database read: the user is already loaded. Not on the phone page itself, and not on
 * an admin's console pages (an admin there is working, not calling).
 */
export async function verifyPhoneBanner(req: Request): Promise<string | undefined> {
  if (!req.user || req.user.phoneVerifiedAt || req.path.startsWith('/account/phone') || (req.user.role === 'admin' && isAdminPath(req.path))) return undefined;
  return renderPartial(req, 'partials/verify-phone-banner', {});
}

function isAdminPath(path: string): boolean {
  return path === '/admin' || path.startsWith('/admin/');
}
