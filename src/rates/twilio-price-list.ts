import { formatMicros } from '../money/micros.js';
import { DEFAULT_FIRST_INCREMENT_S, DEFAULT_NEXT_INCREMENT_S, type Rate } from '../rating/rate.js';
import { RowErrors, validateIso, validatePrefix, validatePrice } from './deck-format.js';

/** Twilio's published outbound voice price list (see the README); used as our cost basis. */
export const TWILIO_COLUMNS = ['iso', 'country', 'description', 'price / min', 'origination prefixes', 'destination prefixes'] as const;
export const TWILIO_HEADER = 'ISO,Country,Description,Price / min,Origination Prefixes,Destination Prefixes';

export interface TwilioRow {
  iso: string;
  country: string;
  description: string;
  costPerMinMicros: number;
  prefixes: string[];
}

export function parseTwilioRow(cells: string[], errors: RowErrors): TwilioRow {
  const [isoCell = '', country = '', description = '', price = '', , destinations = ''] = cells;
  const iso = validateIso(isoCell, errors, 'ISO');
  const costPerMinMicros = validatePrice(price, 'Price / min', errors);
  const prefixes = destinations
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => validatePrefix(p, iso, errors, 'Destination Prefixes'));
  if (prefixes.length === 0) errors.add('Destination Prefixes', 'no destination prefix');
  return { iso, country: country.trim(), description: cleanDescription(description), costPerMinMicros, prefixes };
}

function cleanDescription(description: string): string {
  return description.trim().replace(/^Programmable Outbound Minute - /, '');
}

/**
 * Turns validated price-list rows into our rates: one rate per destination prefix. The same prefix can appear for
 * several origination sets; we do not know which origin Twilio will use, so the highest price is the cost basis.
 * Sell = cost plus markup, rounded up to a whole micro.
 */
export function twilioRowsToRates(rows: TwilioRow[], markupPercent: number): Rate[] {
  const byPrefix = new Map<string, Rate>();
  for (const row of rows) {
    for (const prefix of row.prefixes) {
      const existing = byPrefix.get(prefix);
      if (existing && existing.costPerMinMicros >= row.costPerMinMicros) continue;
      byPrefix.set(prefix, {
        prefix,
        iso: row.iso,
        country: row.country,
        description: row.description,
        costPerMinMicros: row.costPerMinMicros,
        sellPerMinMicros: applyMarkup(row.costPerMinMicros, markupPercent),
        firstIncrementS: DEFAULT_FIRST_INCREMENT_S,
        nextIncrementS: DEFAULT_NEXT_INCREMENT_S,
        connectionFeeMicros: 0,
        minimumChargeMicros: 0,
        enabled: true,
      });
    }
  }
  return [...byPrefix.values()];
}

/** cost × (1 + percent/100), rounded up; the percent is itself parsed to micros so "12.5" stays exact. */
export function applyMarkup(costMicros: number, markupPercentMicros: number): number {
  const scaled = BigInt(costMicros) * (100_000_000n + BigInt(markupPercentMicros));
  const sell = (scaled + 99_999_999n) / 100_000_000n;
  return Number(sell);
}

export function describeMarkup(markupPercentMicros: number): string {
  return `${formatMicros(markupPercentMicros, 0)}%`;
}
