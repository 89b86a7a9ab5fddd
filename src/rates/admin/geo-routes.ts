import type { Request, Response } from 'express';
import { flash } from '../../http/flash.js';
import { flagEmoji } from '../../rating/phone.js';
import { callingCodeOf } from '../deck-format.js';
import type { RatesAdminService } from './rates-admin-service.js';

/** Number types refused for every destination, whatever the deck says (src/rating/phone.ts). */
export const BLOCKED_NUMBER_TYPES = [
  { type: 'Premium-rate', why: 'The caller pays a surcharge to the number’s owner: the classic toll-fraud payout.' },
  { type: 'Shared-cost', why: 'Part of the cost is billed on top of our rate, and we cannot price it.' },
];

type GeoTarget = { iso: string } | { prefix: string };

/** Reads which rows the action covers: a known ISO country code, or a dial prefix (digits). */
function geoTarget(body: Record<string, unknown>): GeoTarget | string {
  if (typeof body.iso === 'string' && body.iso !== '') {
    const iso = body.iso.trim().toUpperCase();
    return callingCodeOf(iso) ? { iso } : `“${body.iso.slice(0, 10)}” is not a country code such as GB.`;
  }
  if (typeof body.prefix === 'string') {
    const digits = body.prefix.trim().replace(/^\+/, '').replace(/\s/g, '');
    return /^[1-9]\d{0,14}$/.test(digits) ? { prefix: digits } : 'Enter a dial prefix: 1 to 15 digits, such as 4470 (every prefix starting with it is covered).';
  }
  return 'Choose a country or enter a prefix.';
}

export function geoRoutes(deps: { admin: RatesAdminService }) {
  const { admin } = deps;
  return {
    async show(_req: Request, res: Response) {
      const countries = (await admin.repo.countries()).map((c) => ({ ...c, flag: flagEmoji(c.iso), callingCode: callingCodeOf(c.iso) ?? '' }));
      res.render('pages/admin-rates-geo', { title: 'Geo permissions', countries, blocked: BLOCKED_NUMBER_TYPES });
    },

    async update(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const target = geoTarget(body);
      const enabled = body.enabled === '1' ? true : body.enabled === '0' ? false : undefined;
      if (typeof target === 'string' || enabled === undefined) {
        flash(req, 'error', typeof target === 'string' ? target : 'Choose whether to allow or block calls.');
        return res.redirect(303, '/admin/rates/geo');
      }
      const changed = await admin.setEnabled(req.user!.id, target, enabled);
      const what = 'iso' in target ? target.iso : `prefixes starting ${target.prefix}`;
      flash(req, changed ? 'success' : 'info', `${enabled ? 'Allowed' : 'Blocked'} calls to ${what}: ${changed} rate${changed === 1 ? '' : 's'} changed.`);
      res.redirect(303, '/admin/rates/geo');
    },
  };
}
