import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db/database.js';
import { ReferenceInUseError, type Ledger } from '../ledger/ledger.js';
import type { WalletOwner } from '../ledger/wallet-rows.js';
import type { LedgerEntry } from '../ledger/wallet-rows.js';

/** No 0/O, 1/I/L: codes are read aloud and typed from paper. 32 symbols × 12 = 60 bits, unguessable. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 12;
const MAX_BATCH = 10_000;

export type VoucherProblem = 'not-found' | 'already-redeemed' | 'expired' | 'invalid';

export class VoucherError extends Error {
  constructor(readonly problem: VoucherProblem, message: string) {
    super(message);
    this.name = 'VoucherError';
  }
}

export interface BatchInput {
  label: string;
  valueMicros: number;
  quantity: number;
  expiresAt: Date;
  createdBy?: number | undefined;
}

export interface VoucherBatch {
  id: number;
  label: string;
  valueMicros: number;
  quantity: number;
  expiresAt: string;
  codes: string[];
}

/** "ABCD-EFGH-JKMN" for people; stored without dashes. */
export function displayCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

/** What a person typed, as stored: upper case, no spaces or dashes; undefined if it cannot be a code. */
export function normaliseCode(typed: string): string | undefined {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

function newCode(): string {
  return Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export class VoucherService {
  private readonly ctx: Ledger['ctx'];

  constructor(private readonly ledger: Ledger) {
    this.ctx = ledger.ctx;
  }

  /** `alongside` runs inside the batch's transaction (the admin console writes its audit row there). */
  async createBatch(input: BatchInput, alongside?: (trx: Knex.Transaction, batch: VoucherBatch) => Promise<void>): Promise<VoucherBatch> {
    if (!Number.isSafeInteger(input.valueMicros) || input.valueMicros <= 0) throw new RangeError('a voucher must be worth more than 0');
    if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_BATCH) throw new RangeError(`quantity must be 1 to ${MAX_BATCH}`);
    if (input.expiresAt.getTime() <= this.ctx.clock.now().getTime()) throw new RangeError('the expiry must be in the future');
    const now = this.ctx.clock.now().toISOString();
    const expiresAt = input.expiresAt.toISOString();
    const codes = [...new Set(Array.from({ length: input.quantity * 2 }, newCode))].slice(0, input.quantity);
    return this.ctx.db.transaction(async (trx) => {
      const [inserted] = await trx('voucher_batches')
        .insert({ label: input.label, value_micros: input.valueMicros, quantity: input.quantity, expires_at: expiresAt, created_by: input.createdBy ?? null, created_at: now })
        .returning('id');
      const batchId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      for (let i = 0; i < codes.length; i += 500) {
        await trx('vouchers').insert(
          codes.slice(i, i + 500).map((code) => ({ batch_id: batchId, code, value_micros: input.valueMicros, expires_at: expiresAt, created_at: now })),
        );
      }
      const batch = { id: batchId, label: input.label, valueMicros: input.valueMicros, quantity: input.quantity, expiresAt, codes: codes.map(displayCode) };
      await alongside?.(trx, batch);
      return batch;
    });
  }

  /**
   * Credits the voucher's value to the user, once. The voucher is claimed by one conditional UPDATE, so of two
   * simultaneous redemptions exactly one succeeds and the other gets VoucherError('already-redeemed').
   */
  async redeem(payer: WalletOwner, typed: string): Promise<LedgerEntry> {
    // A user id: their personal wallet; { accountId, userId }: the account they pay from (a team's wallet).
    const userId = typeof payer === 'number' ? payer : payer.userId;
    const code = normaliseCode(typed);
    if (!code) throw new VoucherError('invalid', 'That is not a voucher code: it has 12 letters and digits, like ABCD-EFGH-JK23.');
    const now = this.ctx.clock.now().toISOString();
    const voucher = await this.ctx.db('vouchers').where({ code }).first<{ value_micros: number | string } | undefined>('value_micros');
    if (!voucher) throw await this.whyNot(this.ctx.db, code);
    const applied = await this.ledger
      .apply(
      payer,
      { kind: 'voucher', amountMicros: Number(voucher.value_micros), description: `Voucher ${displayCode(code)}`, reference: code, idempotencyKey: `voucher:${code}` },
      {
        // Claimed in the credit's transaction by one conditional update: of two simultaneous redemptions one wins.
        before: async (trx) => {
          const claimed = await trx('vouchers')
            .where({ code })
            .whereNull('redeemed_at')
            .whereNull('voided_at')
            .andWhere('expires_at', '>', now)
            .update({ redeemed_by: userId, redeemed_at: now });
          if (claimed !== 1) throw await this.whyNot(trx, code);
        },
      },
      )
      .catch((err: unknown) => {
        if (err instanceof ReferenceInUseError) throw new VoucherError('already-redeemed', 'This voucher has already been used.');
        throw err;
      });
    if (applied.repeated) throw new VoucherError('already-redeemed', 'This voucher has already been used.');
    return applied.entry;
  }

  private async whyNot(trx: Db, code: string): Promise<VoucherError> {
    const voucher = await trx('vouchers').where({ code }).first<{ redeemed_at: string | null; expires_at: string; voided_at: string | null }>();
    if (!voucher) return new VoucherError('not-found', 'No voucher has that code. Check it and try again.');
    if (voucher.redeemed_at) return new VoucherError('already-redeemed', 'This voucher has already been used.');
    if (voucher.voided_at) return new VoucherError('expired', 'This voucher has been withdrawn and can no longer be used.');
    return new VoucherError('expired', `This voucher expired on ${voucher.expires_at.slice(0, 10)}.`);
  }
}
