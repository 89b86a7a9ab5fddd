import { moneyDigits } from '../money/currency.js';
import { csvCell } from '../shared/csv.js';
import type { CallRecord } from './calls-repository.js';

export const CALLS_CSV_HEADER = 'started_at,number,country,status,talk_seconds,cost,currency,call_id';

/** One line per call; the cost with the same digits as the pages, empty until the call is settled. */
export function callCsvLine(call: CallRecord, currency: string): string {
  return [
    call.createdAt,
    call.toE164,
    call.toCountry ?? '',
    call.status,
    call.bridgedSeconds === null ? '' : String(call.bridgedSeconds),
    call.settledAt && call.costMicros !== null ? moneyDigits(call.costMicros) : '',
    currency,
    call.id,
  ]
    .map(csvCell)
    .join(',');
}

/** The header, then one chunk per batch of calls: few large writes stream faster than one write per line. */
export async function* callsCsv(batches: AsyncIterable<CallRecord[]>, currency: string): AsyncGenerator<string> {
  yield `${CALLS_CSV_HEADER}\r\n`;
  for await (const batch of batches) yield batch.map((call) => `${callCsvLine(call, currency)}\r\n`).join('');
}
