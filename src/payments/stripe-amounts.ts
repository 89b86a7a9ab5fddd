import { MICROS_PER_UNIT } from '../money/micros.js';

/** Currencies Stripe counts in whole units (stripe-behavior.md §7). */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** Three-decimal currencies are sent in thousandths. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** How many of our micros one of Stripe's minor units is worth in this currency. */
export function microsPerMinorUnit(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return MICROS_PER_UNIT;
  if (THREE_DECIMAL.has(code)) return MICROS_PER_UNIT / 1000;
  return MICROS_PER_UNIT / 100;
}

/** Micros → Stripe's integer minor units; undefined when the amount has a fraction of a minor unit. */
export function toMinorUnits(micros: number, currency: string): number | undefined {
  const step = microsPerMinorUnit(currency);
  return Number.isSafeInteger(micros) && micros % step === 0 ? micros / step : undefined;
}

export function fromMinorUnits(minor: number, currency: string): number {
  return minor * microsPerMinorUnit(currency);
}

/** Stripe's largest amount: eight digits of minor units (stripe-behavior.md §7). */
export const MAX_MINOR_UNITS = 99_999_999;
