import { moneyDigits } from '../money/currency.js';
import { csvCell } from '../shared/csv.js';
import type { LedgerEntry } from '../ledger/wallet-rows.js';

export const LEDGER_CSV_HEADER = 'date,kind,description,amount,balance_after,free_seconds,reference';

/** One CSV line per entry; amounts with the same digits as the pages, in the account currency. */
export function ledgerCsvLine(entry: LedgerEntry): string {
  return [
    entry.createdAt,
    entry.kind,
    entry.description,
    moneyDigits(entry.amountMicros),
    moneyDigits(entry.balanceAfterMicros),
    String(entry.freeSeconds),
    entry.reference ?? '',
  ]
    .map(csvCell)
    .join(',');
}

export async function* ledgerCsv(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<string> {
  yield `${LEDGER_CSV_HEADER}\r\n`;
  for await (const entry of entries) yield `${ledgerCsvLine(entry)}\r\n`;
}
