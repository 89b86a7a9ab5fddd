import { tryParseMicros } from '../../money/micros.js';

/** How the markup tool prices a selection from cost: a percentage on top, or a fixed amount per minute. */
export interface Markup {
  mode: 'percent' | 'margin';
  /** Percent in micros (parseMicros("12.5") = 12.5%) or a margin in money micros per minute. */
  amountMicros: number;
  /** New prices are rounded up to a multiple of this (micros); 1 means no rounding. */
  stepMicros: number;
}

export const ROUNDING_STEPS: { value: string; micros: number; label: string }[] = [
  { value: '0.000001', micros: 1, label: 'no rounding' },
  { value: '0.0001', micros: 100, label: '0.0001' },
  { value: '0.001', micros: 1_000, label: '0.001' },
  { value: '0.01', micros: 10_000, label: '0.01' },
];

const MAX_PERCENT_MICROS = 1_000 * 1_000_000;
const MAX_MARGIN_MICROS = 10 * 1_000_000;

export type MarkupForm = { ok: true; markup: Markup } | { ok: false; errors: Record<string, string> };

/** Reads the markup form strictly: decimals only (no 1e3 or 0x10), within sane bounds, a known rounding step. */
export function parseMarkupForm(input: Record<string, unknown>): MarkupForm {
  const errors: Record<string, string> = {};
  const mode = input.mode === 'percent' || input.mode === 'margin' ? input.mode : undefined;
  if (!mode) errors.mode = 'Choose a percentage or a fixed margin.';
  const amount = typeof input.amount === 'string' ? tryParseMicros(input.amount) : undefined;
  const max = mode === 'margin' ? MAX_MARGIN_MICROS : MAX_PERCENT_MICROS;
  if (amount === undefined || amount < 0 || amount > max) {
    errors.amount = mode === 'margin' ? 'Enter a margin per minute such as 0.005 (0 to 10, at most 6 decimals).' : 'Enter a percentage such as 25 or 12.5 (0 to 1000).';
  }
  const step = ROUNDING_STEPS.find((s) => s.value === input.step);
  if (!step) errors.step = 'Choose how to round the new prices.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, markup: { mode: mode!, amountMicros: amount!, stepMicros: step!.micros } };
}

/** The new sell price from cost: never below cost, rounded up to the step (rounding down could sell below cost). */
export function repriced(costMicros: number, markup: Markup): number {
  const raw =
    markup.mode === 'percent'
      ? Number((BigInt(costMicros) * (100_000_000n + BigInt(markup.amountMicros)) + 99_999_999n) / 100_000_000n)
      : costMicros + markup.amountMicros;
  return Math.ceil(raw / markup.stepMicros) * markup.stepMicros;
}
