import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { formatMoney } from '../money/currency.js';
import { formatMicros, tryParseMicros } from '../money/micros.js';
import { AUTO_TOP_UP_MAX_FAILURES, type AutoTopUps, type AutoTopUpSettings } from './auto-top-up.js';

const MONEY = /^\d{1,7}(\.\d{1,2})?$/;
// Form values, not a display: the fields take whole units or cents ("10", "12.5").
const plain = (micros: number) => formatMicros(micros, 0);

/** The wallet's "Saved card and automatic top-up" section, as the page shows it. */
export function autoTopUpView(settings: AutoTopUpSettings | undefined, currency: string) {
  const money = (micros: number) => formatMoney(micros, currency);
  if (!settings?.card) return { card: undefined };
  return {
    card: `${settings.card.brand.toUpperCase()} ending ${settings.card.last4}`,
    enabled: settings.enabled,
    threshold: settings.thresholdMicros > 0 || settings.enabled ? plain(settings.thresholdMicros) : '5',
    amount: settings.amountMicros > 0 ? plain(settings.amountMicros) : '20',
    summary: settings.enabled ? `When your balance falls below ${money(settings.thresholdMicros)}, ${money(settings.amountMicros)} is added from this card.` : undefined,
    failure: settings.lastError && settings.failures > 0 ? { message: settings.lastError, at: (settings.lastErrorAt ?? '').slice(0, 16).replace('T', ' '), paused: Boolean(settings.pausedAt), limit: AUTO_TOP_UP_MAX_FAILURES } : undefined,
  };
}

/** POST /wallet/auto-top-up, and removing the saved card (a confirmation page first: it cannot be undone at Stripe). */
export function autoTopUpRoutes(auto: AutoTopUps) {
  return {
    async configure(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (name: string) => String(body[name] ?? '').trim().replace(/^[$€£]/, '');
      const threshold = MONEY.test(text('threshold')) ? tryParseMicros(text('threshold')) : undefined;
      const amount = MONEY.test(text('amount')) ? tryParseMicros(text('amount')) : undefined;
      if (threshold === undefined) return fail(req, res, 'Balance threshold: enter an amount such as 5 or 7.50.');
      if (amount === undefined) return fail(req, res, 'Top-up amount: enter an amount such as 20 or 12.50.');
      const outcome = await auto.configure(req.user!.id, { enabled: body.enabled === '1', thresholdMicros: threshold, amountMicros: amount });
      if (!outcome.ok) return fail(req, res, `${outcome.field === 'amount' ? 'Top-up amount' : outcome.field === 'threshold' ? 'Balance threshold' : 'Automatic top-up'}: ${outcome.message}`);
      flash(req, 'success', body.enabled === '1' ? 'Automatic top-up is on.' : 'Automatic top-up is off.');
      res.redirect(303, '/wallet#auto-top-up');
    },

    async confirmRemove(req: Request, res: Response) {
      const settings = await auto.settings(req.user!.id);
      if (!settings?.card) return void res.redirect(303, '/wallet#auto-top-up');
      res.render('pages/remove-card', { title: 'Remove your saved card', card: autoTopUpView(settings, 'USD').card });
    },

    async remove(req: Request, res: Response) {
      const removed = await auto.removeCard(req.user!.id);
      flash(req, removed ? 'success' : 'info', removed ? 'Your card was removed and automatic top-up is off.' : 'There was no saved card to remove.');
      res.redirect(303, '/wallet#auto-top-up');
    },
  };
}

function fail(req: Request, res: Response, message: string): void {
  flash(req, 'error', message);
  res.redirect(303, '/wallet#auto-top-up');
}
