import type { PayingAccountOf } from '../accounts/request-paying-account.js';
import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { formatMoney } from '../money/currency.js';
import { formatMicros, tryParseMicros } from '../money/micros.js';
import type { Payment } from './payments-repository.js';
import { mayTopUp, PaymentError, type PaymentsService } from './payments-service.js';
import type { AutoTopUps } from './auto-top-up.js';
import { autoTopUpView } from './auto-top-up-routes.js';

/** A top-up as the user's pages show it. */
export function topUpView(p: Payment, currency: string) {
  const money = (micros: number) => formatMoney(micros, currency);
  const labels: Record<Payment['status'], string> = { creating: 'Starting', open: 'Awaiting payment', credited: 'Paid', expired: 'Cancelled', failed: 'Failed' };
  return {
    id: p.publicId,
    amount: money(p.amountMicros),
    status: p.status,
    statusLabel: labels[p.status],
    date: p.createdAt.slice(0, 16).replace('T', ' '),
    creditedAt: p.creditedAt ? p.creditedAt.slice(0, 16).replace('T', ' ') : undefined,
    refunded: p.refundedMicros > 0 ? money(p.refundedMicros) : undefined,
    disputed: p.disputeId ? { amount: money(p.disputedMicros), status: p.disputeStatus } : undefined,
    sessionId: p.checkoutSessionId,
    paymentIntentId: p.paymentIntentId,
  };
}

/** The account the wallet page shows (the one the user pays from), as the top-up section needs it. */
export interface TopUpAccount {
  accountId: number;
  kind: 'personal' | 'team';
  role: 'owner' | 'admin' | 'member';
  name: string;
}

/** The wallet page's "Add credit by card" section (handed to walletRoutes, so the wallet never imports payments). */
export function topUpSection(payments: PaymentsService, auto?: AutoTopUps) {
  const money = (micros: number) => formatMoney(micros, payments.currency);
  // A form value, not a display: the top-up field takes whole units or cents ("10", "12.5").
  const plain = (micros: number) => formatMicros(micros, 0);
  return async (userId: number, account?: TopUpAccount) => ({
    /** Paying from a team: the top-up credits the team's wallet; its members may not add credit (only owners and admins). */
    team: account && account.kind === 'team' ? { name: account.name, allowed: mayTopUp(account) } : undefined,
    presets: payments.limits.presetMicros.filter((m) => m >= payments.limits.minMicros && m <= payments.limits.maxMicros).map((m) => ({ value: plain(m), label: money(m) })),
    min: money(payments.limits.minMicros),
    max: money(payments.limits.maxMicros),
    currency: payments.currency,
    // The top-ups of the account the wallet shows: a team's (whoever of its owners and admins paid) or the user's own.
    // A receipt is the card holder's, so only the viewer's own rows link to one. A team's members see none.
    recent: !account || mayTopUp(account)
      ? (await payments.recentFor(userId, account?.accountId, 10)).map((p) => ({ ...topUpView(p, payments.currency), paidBy: account?.kind === 'team' ? p.payerName : undefined, mine: p.userId === userId }))
      : [],
    // Automatic top-up is personal only: a team's wallet shows a note instead of the settings.
    auto: auto && (!account || account.kind === 'personal') ? autoTopUpView(await auto.settings(userId), payments.currency) : undefined,
    hold: await payments.holdReason(userId),
  });
}

/** `payingAccountOf`: the account a request pays from, resolved once per request (src/accounts/request-paying-account.ts). */
export function paymentsRoutes(payments: PaymentsService, payingAccountOf?: PayingAccountOf) {
  const currency = payments.currency;
  const notFound = (res: Response) => void res.status(404).render('pages/error', { title: 'Not found', message: 'There is no such top-up on your account.' });

  return {
    /** POST /wallet/top-up: amount → Checkout Session → 303 to Stripe's page. */
    async start(req: Request, res: Response) {
      const text = String((req.body as Record<string, unknown>)?.amount ?? '').trim().replace(/^[$€£]/, '');
      const micros = /^\d{1,7}(\.\d{1,2})?$/.test(text) ? tryParseMicros(text) : undefined;
      if (micros === undefined) {
        flash(req, 'error', `Top-up amount: enter an amount such as 10 or 12.50 (${currency}).`);
        return void res.redirect(303, '/wallet#top-up');
      }
      try {
        const saveCard = (req.body as Record<string, unknown>)?.save_card === '1';
        // The account the user pays from (chosen on the dial page) gets the credit.
        const payer = await payingAccountOf?.(req);
        const { url } = await payments.startTopUp(req.user!.id, micros, saveCard ? { email: req.user!.email } : undefined, payer?.accountId);
        res.redirect(303, url);
      } catch (err) {
        if (!(err instanceof PaymentError)) throw err;
        flash(req, 'error', `Top-up amount: ${err.message}`);
        res.redirect(303, '/wallet#top-up');
      }
    },

    /** Stripe's success_url: shows "adding credit…" until the webhook credits, then the result. */
    async returned(req: Request, res: Response) {
      const sessionId = typeof req.query.session_id === 'string' ? req.query.session_id : '';
      const payment = sessionId ? await payments.forUserBySession(req.user!.id, sessionId) : undefined;
      if (!payment) return notFound(res);
      res.render('pages/top-up-return', { title: 'Card top-up', topUp: topUpView(payment, currency) });
    },

    /** The htmx fragment the return page polls. */
    async status(req: Request, res: Response) {
      const payment = await payments.forUser(req.user!.id, String(req.params.id));
      if (!payment) return notFound(res);
      res.render('partials/top-up-status', { topUp: topUpView(payment, currency) });
    },

    /** Stripe's cancel_url: the session is expired so it can no longer be paid; nothing was charged. */
    async cancelled(req: Request, res: Response) {
      const payment = await payments.cancel(req.user!.id, String(req.params.id));
      if (!payment) return notFound(res);
      res.render('pages/top-up-cancelled', { title: 'Top-up cancelled', topUp: topUpView(payment, currency) });
    },

    async receipt(req: Request, res: Response) {
      const payment = await payments.forUser(req.user!.id, String(req.params.id));
      if (!payment || payment.status !== 'credited') return notFound(res);
      const refunds = (await payments.refundsOf(payment.id)).map((r) => ({ id: r.refundId, amount: formatMoney(r.amountMicros, currency), date: r.createdAt.slice(0, 10), status: r.status }));
      res.render('pages/top-up-receipt', { title: `Receipt ${payment.publicId}`, topUp: topUpView(payment, currency), refunds, email: req.user!.email });
    },
  };
}
