import { recordAudit } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { formatMoney } from '../money/currency.js';
import { formatMicros } from '../money/micros.js';
import type { BatchInput, VoucherBatch, VoucherService } from './vouchers.js';

export const BATCHES_PER_PAGE = 20;

export interface BatchSummary {
  id: number;
  label: string;
  valueMicros: number;
  quantity: number;
  expiresAt: string;
  createdAt: string;
  redeemed: number;
  voided: number;
}

interface BatchRow {
  id: number;
  label: string;
  value_micros: number | string;
  quantity: number;
  expires_at: string;
  created_at: string;
  redeemed: number | string;
  voided: number | string;
}

/**
 * The admin's voucher batches: reads, and creating or voiding with the audit row in the change's transaction
 * (the codes themselves are written by VoucherService).
 */
export function voucherAdminStore(db: Db, clock: Clock, vouchers: Pick<VoucherService, 'createBatch'>, currency: string) {
  function summaries() {
    return db('voucher_batches as b')
      .leftJoin('vouchers as v', 'v.batch_id', 'b.id')
      .groupBy('b.id', 'b.label', 'b.value_micros', 'b.quantity', 'b.expires_at', 'b.created_at')
      .select('b.id', 'b.label', 'b.value_micros', 'b.quantity', 'b.expires_at', 'b.created_at')
      .count({ redeemed: 'v.redeemed_at', voided: 'v.voided_at' });
  }
  const toSummary = (b: BatchRow): BatchSummary => ({
    id: Number(b.id),
    label: b.label,
    valueMicros: Number(b.value_micros),
    quantity: Number(b.quantity),
    expiresAt: b.expires_at,
    createdAt: b.created_at,
    redeemed: Number(b.redeemed),
    voided: Number(b.voided),
  });

  return {
    async page(page: number): Promise<{ batches: BatchSummary[]; page: number; pages: number }> {
      const countRow = await db('voucher_batches').count<{ n: number | string }[]>({ n: '*' }).first();
      const pages = Math.max(1, Math.ceil(Number(countRow?.n ?? 0) / BATCHES_PER_PAGE));
      const current = Math.min(Math.max(1, page), pages);
      const rows = (await summaries()
        .orderBy('b.id', 'desc')
        .limit(BATCHES_PER_PAGE)
        .offset((current - 1) * BATCHES_PER_PAGE)) as unknown as BatchRow[];
      return { batches: rows.map(toSummary), page: current, pages };
    },

    async batch(id: number): Promise<BatchSummary | undefined> {
      const rows = (await summaries().where('b.id', id)) as unknown as BatchRow[];
      return rows[0] && toSummary(rows[0]);
    },

    /** Codes still usable: not redeemed, not voided (expired ones included, with their date). */
    async unusedCodes(batchId: number): Promise<{ code: string; value_micros: number | string; expires_at: string }[]> {
      return db('vouchers').where({ batch_id: batchId }).whereNull('redeemed_at').whereNull('voided_at').orderBy('id').select('code', 'value_micros', 'expires_at');
    },

    /** Creates a batch of codes and its audit row, in one transaction. */
    async createBatch(actorId: number, input: Omit<BatchInput, 'createdBy'>): Promise<VoucherBatch> {
      const { label, valueMicros, quantity } = input;
      return vouchers.createBatch({ ...input, createdBy: actorId }, (trx, created) =>
        recordAudit(trx, clock, {
          actorId,
          action: 'voucher.create',
          subject: `voucher batch ${created.id}`,
          summary: `Created “${label}”: ${quantity} codes of ${formatMoney(valueMicros, currency)} until ${created.expiresAt.slice(0, 10)}`,
          newValue: { label, value: formatMicros(valueMicros), quantity, expires: created.expiresAt },
        }),
      );
    },

    /** Voids every unused code of a batch, with its audit row, in one transaction; returns how many. */
    async voidUnused(actorId: number, batchId: number): Promise<number | undefined> {
      return db.transaction(async (trx) => {
        const batch = await trx('voucher_batches').where({ id: batchId }).first<{ label: string } | undefined>('label');
        if (!batch) return undefined;
        const stamp = clock.now().toISOString();
        const voided = await trx('vouchers').where({ batch_id: batchId }).whereNull('redeemed_at').whereNull('voided_at').update({ voided_at: stamp });
        if (voided === 0) return 0;
        await recordAudit(trx, clock, {
          actorId,
          action: 'voucher.void',
          subject: `voucher batch ${batchId}`,
          summary: `Voided ${voided} unused code${voided === 1 ? '' : 's'} of “${batch.label}”`,
          oldValue: { unused: voided },
          newValue: { unused: 0 },
        });
        return voided;
      });
    },
  };
}

export type VoucherAdminStore = ReturnType<typeof voucherAdminStore>;
