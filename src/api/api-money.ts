import { formatMoney, formatRate } from '../money/currency.js';

/** Money in the API: exact integer micro-units (1 unit = 1,000,000) with the currency, and a display string. */
export interface ApiMoney {
  micros: number;
  currency: string;
  formatted: string;
}

export function apiMoney(micros: number, currency: string): ApiMoney {
  return { micros, currency, formatted: formatMoney(micros, currency) };
}

/** A price per minute: formatted with up to four decimals, as on the rates page. */
export function apiRate(microsPerMinute: number, currency: string): ApiMoney {
  return { micros: microsPerMinute, currency, formatted: formatRate(microsPerMinute, currency) };
}
