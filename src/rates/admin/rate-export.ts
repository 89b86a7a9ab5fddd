import { formatMicros } from '../../money/micros.js';
import type { Rate } from '../../rating/rate.js';
import { csvCell } from '../../shared/csv.js';
import { DECK_COLUMNS } from '../deck-format.js';

/** One line of our deck format, exactly what the importer reads back; text cells defused against spreadsheet formulas. */
export function deckCsvLine(rate: Rate): string {
  return [
    rate.iso,
    rate.country,
    rate.prefix,
    rate.description,
    formatMicros(rate.sellPerMinMicros, 2),
    formatMicros(rate.costPerMinMicros, 2),
    String(rate.firstIncrementS),
    String(rate.nextIncrementS),
    formatMicros(rate.connectionFeeMicros, 2),
    formatMicros(rate.minimumChargeMicros, 2),
    rate.enabled ? 'true' : 'false',
  ]
    .map(csvCell)
    .join(',');
}

export async function* deckCsv(rates: AsyncIterable<Rate>): AsyncGenerator<string> {
  yield `${DECK_COLUMNS.join(',')}\r\n`;
  let chunk: string[] = [];
  for await (const rate of rates) {
    chunk.push(`${deckCsvLine(rate)}\r\n`);
    if (chunk.length === 500) {
      yield chunk.join('');
      chunk = [];
    }
  }
  if (chunk.length) yield chunk.join('');
}
