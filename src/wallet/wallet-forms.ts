import { z } from 'zod';
import { tryParseMicros } from '../money/micros.js';

export const redeemForm = z.object({
  code: z.string().trim().min(1, 'Enter the code printed on your voucher.').max(40, 'That is too long for a voucher code.'),
});

const MAX_VOUCHER_MICROS = 1_000_000_000;

/** Whole cents only: a voucher worth a fraction of a cent is a typo. */
const CENTS = /^\d{1,7}(\.\d{1,2})?$/;

export const voucherBatchForm = z.object({
  label: z.string().trim().min(1, 'Give the batch a name, such as "Launch promo".').max(100, 'At most 100 characters.'),
  value: z
    .string()
    .trim()
    .transform((text, ctx) => {
      const micros = CENTS.test(text) ? tryParseMicros(text) : undefined;
      if (micros === undefined || micros <= 0 || micros > MAX_VOUCHER_MICROS) {
        const subCent = /^\d+\.\d{3,}$/.test(text);
        ctx.addIssue({ code: 'custom', message: subCent ? 'Use whole cents: at most 2 decimals, such as 5.00.' : 'Enter an amount such as 5.00 (more than 0, at most 1000).' });
        return z.NEVER;
      }
      return micros;
    }),
  // Digits only: Number() would also take 1e3, 0x10 and " 12 ".
  quantity: z
    .string()
    .trim()
    .regex(/^\d{1,4}$/, 'Enter a whole number from 1 to 1000.')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'Enter a whole number from 1 to 1000.'),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Pick the last day the codes can be used.')
    .transform((day, ctx) => {
      const end = new Date(`${day}T23:59:59.999Z`);
      // Date rolls 2026-02-31 over to March 3rd; a day that does not exist is refused instead.
      if (Number.isNaN(end.getTime()) || end.toISOString().slice(0, 10) !== day) {
        ctx.addIssue({ code: 'custom', message: `${day} is not a real day: pick the last day the codes can be used.` });
        return z.NEVER;
      }
      return end;
    }),
});
