import type { Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { parseForm, type FieldErrors } from '../http/forms.js';
import { formatMoney } from '../money/currency.js';
import { pageParam, pagination } from '../http/pagination.js';
import { csvCell } from '../shared/csv.js';
import type { BatchSummary, VoucherAdminStore } from './voucher-admin-store.js';
import { displayCode } from './vouchers.js';
import { voucherBatchForm } from './wallet-forms.js';

export interface VoucherAdminDeps {
  store: VoucherAdminStore;
  clock: Clock;
  currency: string;
}

function batchIdParam(value: unknown): number {
  const id = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id)) throw new HttpError(404, 'There is no voucher batch with that number.');
  return id;
}

export function voucherAdminRoutes(deps: VoucherAdminDeps) {
  const { store, clock, currency } = deps;
  const view = (b: BatchSummary) => ({
    ...b,
    value: formatMoney(b.valueMicros, currency),
    unused: b.quantity - b.redeemed - b.voided,
    expires: b.expiresAt.slice(0, 10),
    created: b.createdAt.slice(0, 10),
    expired: b.expiresAt <= clock.now().toISOString(),
  });

  async function findBatch(id: number) {
    const batch = await store.batch(id);
    if (!batch) throw new HttpError(404, 'There is no voucher batch with that number.');
    return batch;
  }

  async function render(req: Request, res: Response, status: number, form: { values: Record<string, string>; errors: FieldErrors }) {
    const result = await store.page(pageParam(req.query.page));
    res.status(status).render('pages/admin-vouchers', {
      title: 'Vouchers',
      batches: result.batches.map(view),
      pager: pagination('/admin/vouchers', (p) => (p > 1 ? `page=${p}` : ''), result.page, result.pages),
      currency,
      ...form,
    });
  }

  return {
    async show(req: Request, res: Response) {
      await render(req, res, 200, { values: {}, errors: {} });
    },

    /** Creates the batch with its audit row, then redirects to it: reloading the result cannot create a second batch. */
    async create(req: Request, res: Response) {
      const form = parseForm(voucherBatchForm, req.body);
      if (!form.ok) return render(req, res, 422, form);
      const { label, value, quantity, expires } = form.value;
      if (expires.getTime() <= clock.now().getTime()) return render(req, res, 422, { values: textFields(req.body), errors: { expires: 'Pick a day in the future.' } });
      const batch = await store.createBatch(req.user!.id, { label, valueMicros: value, quantity, expiresAt: expires });
      flash(req, 'success', `Created batch “${batch.label}”: ${batch.quantity} codes worth ${formatMoney(batch.valueMicros, currency)} each, valid until ${batch.expiresAt.slice(0, 10)}.`);
      res.redirect(303, `/admin/vouchers/${batch.id}`);
    },

    /** One batch: its counts, its unused codes (to copy), the CSV and the void action. */
    async showBatch(req: Request, res: Response) {
      const batch = await findBatch(batchIdParam(req.params.id));
      const codes = await store.unusedCodes(batch.id);
      res.render('pages/admin-voucher-batch', { title: `Vouchers: ${batch.label}`, batch: view(batch), codes: codes.map((c) => displayCode(c.code)) });
    },

    async confirmVoid(req: Request, res: Response) {
      const batch = await findBatch(batchIdParam(req.params.id));
      res.render('pages/admin-voucher-void', { title: `Void “${batch.label}”`, batch: view(batch) });
    },

    async voidUnused(req: Request, res: Response) {
      const id = batchIdParam(req.params.id);
      const voided = await store.voidUnused(req.user!.id, id);
      if (voided === undefined) throw new HttpError(404, 'There is no voucher batch with that number.');
      flash(req, voided ? 'success' : 'info', voided ? `Voided ${voided} unused code${voided === 1 ? '' : 's'}: they can no longer be redeemed.` : 'There were no unused codes left to void.');
      res.redirect(303, `/admin/vouchers/${id}`);
    },

    /** The unredeemed codes of one batch, for printing or mailing. */
    async exportCodes(req: Request, res: Response) {
      const batch = await findBatch(batchIdParam(req.params.id));
      const codes = await store.unusedCodes(batch.id);
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="vouchers-batch-${batch.id}.csv"`);
      const lines = ['code,value,expires_at,batch', ...codes.map((c) => [displayCode(c.code), formatMoney(Number(c.value_micros), currency), c.expires_at, batch.label].map(csvCell).join(','))];
      res.send(`${lines.join('\r\n')}\r\n`);
    },
  };
}

function textFields(body: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([k, v]) => typeof v === 'string' && k !== '_csrf')) as Record<string, string>;
}
