import { formatMicros, roundMicros } from './micros.js';

export interface DisplayOptions {
  /** Places after the point; prices per minute read better with more (e.g. 4). */
  decimals?: number;
  locale?: string;
}

/**
 * 1_234_500 → "$1.23" (USD, en-US). Intl formats the exact decimal string (NumberFormat v3 accepts strings),
 * so display never goes through a float either.
 */
export function formatMoney(micros: number, currency: string, options: DisplayOptions = {}): string {
  const decimals = options.decimals ?? 2;
  const text = formatMicros(roundMicros(micros, decimals), decimals);
  return currencyFormatter(options.locale ?? 'en-US', currency, decimals).format(text as unknown as number);
}

// Building an Intl.NumberFormat costs more than formatting with it (it was the largest item in an API poll's profile).
const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(locale: string, currency: string, decimals: number): Intl.NumberFormat {
  const key = `${locale}|${currency}|${decimals}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** A price per minute shows up to 4 decimals but no trailing zeros beyond 2 (e.g. "$0.0125", "$0.10"). */
export function formatRate(microsPerMinute: number, currency: string, locale?: string): string {
  const exact = formatMicros(roundMicros(microsPerMinute, 4), 2);
  const decimals = Math.max(2, exact.split('.')[1]?.length ?? 0);
  return formatMoney(microsPerMinute, currency, { decimals, ...(locale ? { locale } : {}) });
}

/** Every micro-unit shown, at least 2 decimals ("$0.2862", "$5.00"): a charge or balance as it was booked. */
export function formatExactMoney(micros: number, currency: string, locale?: string): string {
  const decimals = Math.max(2, formatMicros(micros, 2).split('.')[1]?.length ?? 0);
  return formatMoney(micros, currency, { decimals, ...(locale ? { locale } : {}) });
}

/** "1 h 02 min", "3 min 05 s", "45 s": how long a call may last, for people. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return rest ? `${minutes} min ${String(rest).padStart(2, '0')} s` : `${minutes} min`;
  return `${rest} s`;
}
