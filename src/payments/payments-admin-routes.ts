import { parseIdParam } from '../http/id-param.js';
import type { Request, Response } from 'express';
import { flash } from '../http/flash.js';
import { formatMoney } from '../money/currency.js';
import { tryParseMicros } from '../money/micros.js';
import { pagination } from '../http/pagination.js';
import type { PaymentFilter, PaymentStatus } from './payments-repository.js';
import { PaymentError, type PaymentsService } from './payments-service.js';
import { topUpView } from './payments-routes.js';

const STATUSES: PaymentStatus[] = ['open', 'credited', 'expired', 'failed'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Admin: every card top-up with filters (status, user, date), one top-up with its refunds and dispute, refunds. */
export function paymentsAdminRoutes(payments: PaymentsService) {
  const currency = payments.currency;
  const money = (micros: number) => formatMoney(micros, currency);

  async function showPayment(req: Request, res: Response, status: number, form: { values: Record<string, string>; errors: Record<string, string> }) {
    const payment = await payments.byId(parseIdParam(req.params.id, 'There is no such payment.'));
    if (!payment) return void res.status(404).render('pages/error', { title: 'Not found', message: 'There is no such payment.' });
    const [refunds, refundable, hold, account] = await Promise.all([payments.refundsOf(payment.id), payments.refundable(payment), payments.holdReason(payment.userId), payment.accountId === null ? undefined : payments.creditedAccount(payment.accountId)]);
    res.status(status).render('pages/admin-payment', {
      title: `Payment ${payment.publicId}`,
      payment: { ...topUpView(payment, currency), dbId: payment.id, userId: payment.userId, owed: payment.owedMicros > 0 ? money(payment.owedMicros) : undefined, disputeId: payment.disputeId },
      // Which wallet the top-up credited (and a refund or dispute debits): a team's, or the payer's own.
      creditedTo: account?.kind === 'team' ? { team: { id: account.id, name: account.name } } : { personal: true },
      refunds: refunds.map((r) => ({ ...r, amount: money(r.amountMicros) })),
      refundable: refundable > 0 ? money(refundable) : undefined,
      hold,
      ...form,
    });
  }

  return {
    async list(req: Request, res: Response) {
      const q = req.query as Record<string, string | undefined>;
      const filter: PaymentFilter = {
        status: STATUSES.includes(q.status as PaymentStatus) ? (q.status as PaymentStatus) : undefined,
        userEmail: q.user?.trim() || undefined,
        from: q.from && DAY.test(q.from) ? `${q.from}T00:00:00.000Z` : undefined,
        to: q.to && DAY.test(q.to) ? new Date(Date.parse(`${q.to}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined,
      };
      const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
      const result = await payments.list(filter, page);
      const pages = Math.max(1, Math.ceil(result.total / 50));
      const params = (p: number) => new URLSearchParams(Object.entries({ status: q.status ?? '', user: q.user ?? '', from: q.from ?? '', to: q.to ?? '', page: p > 1 ? String(p) : '' }).filter(([, v]) => v)).toString();
      res.render('pages/admin-payments', {
        title: 'Payments',
        filter: { status: filter.status ?? '', user: q.user ?? '', from: q.from ?? '', to: q.to ?? '' },
        statuses: STATUSES,
        rows: result.rows.map((p) => ({ ...topUpView(p, currency), dbId: p.id, email: p.email })),
        total: result.total,
        pager: pagination('/admin/payments', params, page, pages),
      });
    },

    show: (req: Request, res: Response) => showPayment(req, res, 200, { values: {}, errors: {} }),

    async refund(req: Request, res: Response) {
      const body = (req.body ?? {}) as Record<string, string>;
      const text = String(body.amount ?? '').trim();
      const micros = /^\d{1,7}(\.\d{1,2})?$/.test(text) ? tryParseMicros(text) : undefined;
      if (micros === undefined || micros <= 0) return showPayment(req, res, 422, { values: body, errors: { amount: 'Enter the amount to refund, such as 5.00.' } });
      try {
        const { refundId } = await payments.refund(req.user!.id, parseIdParam(req.params.id, 'There is no such payment.'), micros, String(body.reason ?? '').slice(0, 200));
        flash(req, 'success', `Refunded ${money(micros)} (${refundId}). The credit was taken back from the wallet.`);
        res.redirect(303, `/admin/payments/${req.params.id}`);
      } catch (err) {
        if (!(err instanceof PaymentError)) throw err;
        await showPayment(req, res, 422, { values: body, errors: { amount: err.message } });
      }
    },
  };
}
