import type { Request, Response } from 'express';
import type { Db } from '../db/database.js';
import { formatMoney } from '../money/currency.js';
import { parseForm, type FieldErrors } from '../http/forms.js';
import { HttpError } from '../http/errors.js';
import { csvCell } from './ledger-csv.js';
import { displayCode, type VoucherService } from './vouchers.js';
import { voucherBatchForm } from './wallet-forms.js';

export interface VoucherAdminDeps {
  db: Db;
  vouchers: VoucherService;
  currency: string;
}

interface BatchRow {
  id: number;
  label: string;
  value_micros: number | string;
  quantity: number;
  expires_at: string;
  created_at: string;
  redeemed: number | string;
}

export function voucherAdminRoutes(deps: VoucherAdminDeps) {
  const { db, vouchers, currency } = deps;

  async function recentBatches() {
    const rows = (await db('voucher_batches as b')
      .leftJoin('vouchers as v', 'v.batch_id', 'b.id')
      .groupBy('b.id', 'b.label', 'b.value_micros', 'b.quantity', 'b.expires_at', 'b.created_at')
      .select('b.id', 'b.label', 'b.value_micros', 'b.quantity', 'b.expires_at', 'b.created_at')
      .count({ redeemed: 'v.redeemed_at' })
      .orderBy('b.id', 'desc')
      .limit(20)) as unknown as BatchRow[];
    return rows.map((b) => ({
      id: Number(b.id),
      label: b.label,
      value: formatMoney(Number(b.value_micros), currency),
      quantity: b.quantity,
      redeemed: Number(b.redeemed),
      expires: b.expires_at.slice(0, 10),
      created: b.created_at.slice(0, 10),
    }));
  }

  async function render(res: Response, status: number, form: { values: Record<string, string>; errors: FieldErrors }, created?: unknown) {
    res.status(status).render('pages/admin-vouchers', { title: 'Vouchers', batches: await recentBatches(), created, currency, ...form });
  }

  return {
    async show(_req: Request, res: Response) {
      await render(res, 200, { values: {}, errors: {} });
    },

    async create(req: Request, res: Response) {
      const form = parseForm(voucherBatchForm, req.body);
      if (!form.ok) return render(res, 422, form);
      try {
        const { label, value, quantity, expires } = form.value;
        const batch = await vouchers.createBatch({ label, valueMicros: value, quantity, expiresAt: expires, createdBy: req.user!.id });
        const created = { ...batch, value: formatMoney(batch.valueMicros, currency), expires: batch.expiresAt.slice(0, 10) };
        await render(res, 201, { values: {}, errors: {} }, created);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        const field = /expiry/.test(err.message) ? 'expires' : 'form';
        await render(res, 422, { values: stringValues(req.body), errors: { [field]: field === 'expires' ? 'Pick a day in the future.' : err.message } });
      }
    },

    /** The unredeemed codes of one batch, for printing or mailing. */
    async exportCodes(req: Request, res: Response) {
      const id = Number.parseInt(String(req.params.id), 10);
      const batch = Number.isSafeInteger(id) ? await db('voucher_batches').where({ id }).first<{ label: string }>() : undefined;
      if (!batch) throw new HttpError(404, 'There is no voucher batch with that number.');
      const codes: { code: string; value_micros: number | string; expires_at: string }[] = await db('vouchers')
        .where({ batch_id: id })
        .whereNull('redeemed_at')
        .orderBy('id')
        .select('code', 'value_micros', 'expires_at');
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="vouchers-batch-${id}.csv"`);
      const lines = ['code,value,expires_at,batch', ...codes.map((c) => [displayCode(c.code), formatMoney(Number(c.value_micros), currency), c.expires_at, batch.label].map(csvCell).join(','))];
      res.send(`${lines.join('\r\n')}\r\n`);
    },
  };
}

function stringValues(body: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([k, v]) => typeof v === 'string' && k !== '_csrf')) as Record<string, string>;
}
