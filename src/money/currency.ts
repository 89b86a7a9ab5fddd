import { formatMicros, roundMicros } from './micros.js';

/**
 * Every amount a person reads (balances, charges, holds, top-ups, prices per minute) has this many places after the
 * point, on every page, fragment, CSV, email, flash and API `formatted` field. Four, not two: a minute costs
 * fractions of a cent ($0.1431), so two places made a call's legs ($0.14 + $0.14) disagree with its total ($0.29)
 * and a balance differ between pages ($4.68 vs $4.676).
 */
export const MONEY_DECIMALS = 4;

/** 2_862 → "0.0029": the digits of an amount as shown, rounded half away from zero, without a currency sign (CSV cells). */
export function moneyDigits(micros: number): string {
  return formatMicros(roundMicros(micros, MONEY_DECIMALS), MONEY_DECIMALS);
}

/**
 * The one money format: 286_200 → "$0.2862", 5_000_000 → "$5.0000", -4_713_801 → "-$4.7138". Intl formats the exact
 * decimal string (NumberFormat v3 accepts strings), so display never goes through a float.
 */
export function formatMoney(micros: number, currency: string, locale = 'en-US'): string {
  return currencyFormatter(locale, currency).format(moneyDigits(micros) as unknown as number);
}

/** A price per minute, always labelled: "$0.1431/min". */
export function formatRate(microsPerMinute: number, currency: string, locale?: string): string {
  return `${formatMoney(microsPerMinute, currency, locale)}/min`;
}

// Building an Intl.NumberFormat costs more than formatting with it (it was the largest item in an API poll's profile).
const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: MONEY_DECIMALS, maximumFractionDigits: MONEY_DECIMALS });
    formatters.set(key, formatter);
  }
  return formatter;
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
