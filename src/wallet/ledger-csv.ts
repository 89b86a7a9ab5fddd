import { formatMicros } from '../money/micros.js';
import type { LedgerEntry } from './wallet-store.js';

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
 * A plain number, signed or not: a phone number in E.164 (+442079460958), an amount (-1.50). A spreadsheet reads
 * these as numbers, never as formulas, so they are written exactly as they are.
 */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * Quotes when needed, and defuses text a spreadsheet would run as a formula (CSV injection): a description can
 * carry text we did not write (a voucher label, a number a user typed). Cells starting with = @ tab or CR, and
 * + or - starts that are not plain numbers, get a leading apostrophe; plain numbers are left alone. The deck
 * importer strips that apostrophe again (see parse-deck.ts), so an export re-imports unchanged.
 */
export function csvCell(value: string): string {
  const safe = isFormulaLike(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Would a spreadsheet run it as a formula? Also true for a cell that already starts with an apostrophe before such
 * text, so that cell gets one more and reading it back (unguardCsvCell) gives exactly the original.
 */
export function isFormulaLike(value: string): boolean {
  const text = value.replace(/^'+/, '');
  return /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text);
}

/** Undoes csvCell's guard: an apostrophe before formula-like text is dropped. */
export function unguardCsvCell(value: string): string {
  return value.startsWith("'") && isFormulaLike(value.slice(1)) ? value.slice(1) : value;
}

export async function* ledgerCsv(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<string> {
  yield `${LEDGER_CSV_HEADER}\r\n`;
  for await (const entry of entries) yield `${ledgerCsvLine(entry)}\r\n`;
}
