import { z } from 'zod';
import { tryParseMicros } from '../money/micros.js';

export const redeemForm = z.object({
  code: z.string().trim().min(1, 'Enter the code printed on your voucher.').max(40, 'That is too long for a voucher code.'),
});

const MAX_VOUCHER_MICROS = 1_000_000_000;

export const voucherBatchForm = z.object({
  label: z.string().trim().min(1, 'Give the batch a name, such as "Launch promo".').max(100, 'At most 100 characters.'),
  value: z
    .string()
    .trim()
    .transform((text, ctx) => {
      const micros = tryParseMicros(text);
      if (micros === undefined || micros <= 0 || micros > MAX_VOUCHER_MICROS) {
        ctx.addIssue({ code: 'custom', message: 'Enter an amount such as 5.00 (more than 0, at most 1000).' });
        return z.NEVER;
      }
      return micros;
    }),
  quantity: z.coerce
    .number({ message: 'Enter a whole number from 1 to 1000.' })
    .int('Enter a whole number from 1 to 1000.')
    .min(1, 'Enter a whole number from 1 to 1000.')
    .max(1000, 'Enter a whole number from 1 to 1000.'),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Pick the last day the codes can be used.')
    .transform((day, ctx) => {
      const end = new Date(`${day}T23:59:59.999Z`);
      if (Number.isNaN(end.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'Pick the last day the codes can be used.' });
        return z.NEVER;
      }
      return end;
    }),
});
