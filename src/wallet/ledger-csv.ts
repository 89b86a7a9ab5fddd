import { formatMicros } from '../money/micros.js';
import type { LedgerEntry } from '../ledger/wallet-rows.js';

export const LEDGER_CSV_HEADER = 'date,kind,description,amount,balance_after,free_seconds,reference';

/** One CSV line per entry; amounts as exact decimals in the account currency. */
export function ledgerCsvLine(entry: LedgerEntry): string {
  return [
    entry.createdAt,
    entry.kind,
    entry.description,
    formatMicros(entry.amountMicros),
    formatMicros(entry.balanceAfterMicros),
    String(entry.freeSeconds),
    entry.reference ?? '',
  ]
    .map(csvCell)
    .join(',');
}

/**
 * Quotes when needed, and defuses text a spreadsheet would run as a formula (CSV injection): a description
 * can carry text we did not write (a voucher label, a number a user typed).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function* ledgerCsv(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<string> {
  yield `${LEDGER_CSV_HEADER}\r\n`;
  for await (const entry of entries) yield `${ledgerCsvLine(entry)}\r\n`;
}
