import type { Request } from 'express';
import { renderPartial } from '../http/page-banners.js';

/**
 * An unconfirmed account may look around; every full page says what is missing and links to the account page
 * (where a new link can be sent). No database read: the user is already loaded.
 */
export async function confirmEmailBanner(req: Request): Promise<string | undefined> {
  if (!req.user || req.user.emailConfirmedAt) return undefined;
  return renderPartial(req, 'partials/confirm-email-banner', { email: req.user.email });
}
