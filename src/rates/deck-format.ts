import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { formatMicros, tryParseMicros } from '../money/micros.js';
import type { Rate } from '../rating/rate.js';
import type { DeckError } from './deck-errors.js';

/** Our own deck's columns, in the order the generator writes them (the importer accepts any order). */
export const DECK_COLUMNS = [
  'iso',
  'country',
  'prefix',
  'description',
  'sell_per_min',
  'cost_per_min',
  'first_increment_s',
  'next_increment_s',
  'connection_fee',
  'minimum_charge',
  'enabled',
] as const;
export type DeckColumn = (typeof DECK_COLUMNS)[number];

/** No published tariff comes near these; anything above is a typo (e.g. a price in cents). */
const MAX_PRICE_MICROS = 100_000_000;
const MAX_INCREMENT_S = 3600;

const callingCodes = new Map<string, string>(getCountries().map((iso) => [iso, getCountryCallingCode(iso)]));

/** The E.164 calling code of an ISO country libphonenumber-js knows, e.g. GG → "44". */
export function callingCodeOf(iso: string): string | undefined {
  return callingCodes.get(iso as CountryCode);
}

export class RowErrors {
  readonly errors: DeckError[] = [];
  constructor(private readonly line: number) {}
  add(column: string | undefined, message: string): void {
    this.errors.push({ line: this.line, ...(column ? { column } : {}), message });
  }
}

export function validateIso(iso: string, errors: RowErrors, column = 'iso'): string {
  const code = iso.trim().toUpperCase();
  if (!callingCodeOf(code)) errors.add(column, `unknown country ${JSON.stringify(iso)}: expected an ISO 3166-1 alpha-2 code such as GB`);
  return code;
}

export function validatePrefix(prefix: string, iso: string, errors: RowErrors, column = 'prefix'): string {
  const digits = prefix.trim().replace(/^\+/, '');
  if (!/^[1-9]\d{0,14}$/.test(digits)) {
    errors.add(column, `${JSON.stringify(prefix)} is not a dial prefix: expected 1 to 15 digits, not starting with 0`);
    return digits;
  }
  const code = callingCodeOf(iso);
  if (code && !digits.startsWith(code)) errors.add(column, `prefix ${digits} does not start with ${iso}'s calling code +${code}`);
  return digits;
}

export function validatePrice(text: string, column: string, errors: RowErrors): number {
  const micros = tryParseMicros(text);
  if (micros === undefined) {
    errors.add(column, `${JSON.stringify(text)} is not a price: expected a decimal such as 0.0125 (at most 6 decimals)`);
    return 0;
  }
  if (micros < 0) errors.add(column, `price ${text.trim()} must not be negative`);
  else if (micros > MAX_PRICE_MICROS) errors.add(column, `price ${text.trim()} is implausibly high (over ${formatMicros(MAX_PRICE_MICROS, 0)})`);
  return micros;
}

function validateIncrement(text: string, column: string, errors: RowErrors): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < 1 || value > MAX_INCREMENT_S) {
    errors.add(column, `${JSON.stringify(text)} is not an increment: expected whole seconds from 1 to ${MAX_INCREMENT_S}`);
    return 60;
  }
  return value;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n']);

function validateEnabled(text: string, errors: RowErrors): boolean {
  const value = text.trim().toLowerCase();
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  errors.add('enabled', `${JSON.stringify(text)} is not true or false`);
  return false;
}

function validateText(text: string, column: string, max: number, errors: RowErrors, required: boolean): string {
  const value = text.trim();
  if (required && !value) errors.add(column, 'must not be empty');
  if (value.length > max) errors.add(column, `longer than ${max} characters`);
  return value;
}

/** Where each column sits in the file's rows (the header may order them any way). */
export type ColumnPositions = Record<DeckColumn, number>;

export function columnPositions(header: readonly string[]): ColumnPositions {
  return Object.fromEntries(DECK_COLUMNS.map((c) => [c, header.indexOf(c)])) as ColumnPositions;
}

function cellOf(record: readonly string[], at: ColumnPositions, column: DeckColumn): string {
  return record[at[column]] ?? '';
}

/** Spreadsheets that save with `;` usually write decimals with a comma (0,0125). */
function amountOf(record: readonly string[], at: ColumnPositions, column: DeckColumn, decimalComma: boolean): string {
  return decimalComma ? cellOf(record, at, column).replace(',', '.') : cellOf(record, at, column);
}

/** Validates one data row of our own format; problems go to `errors`, the returned rate is only used if none. */
export function parseDeckRow(record: readonly string[], at: ColumnPositions, errors: RowErrors, decimalComma = false): Rate {
  // No closures made per row: under tsx each would also get its name set (esbuild's keepNames), which showed in
  // the profile of a 500,000-row import.
  const iso = validateIso(cellOf(record, at, 'iso'), errors);
  const rate: Rate = {
    iso,
    country: validateText(cellOf(record, at, 'country'), 'country', 100, errors, true),
    prefix: validatePrefix(cellOf(record, at, 'prefix'), iso, errors),
    description: validateText(cellOf(record, at, 'description'), 'description', 200, errors, false),
    sellPerMinMicros: validatePrice(amountOf(record, at, 'sell_per_min', decimalComma), 'sell_per_min', errors),
    costPerMinMicros: validatePrice(amountOf(record, at, 'cost_per_min', decimalComma), 'cost_per_min', errors),
    firstIncrementS: validateIncrement(cellOf(record, at, 'first_increment_s'), 'first_increment_s', errors),
    nextIncrementS: validateIncrement(cellOf(record, at, 'next_increment_s'), 'next_increment_s', errors),
    connectionFeeMicros: validatePrice(amountOf(record, at, 'connection_fee', decimalComma), 'connection_fee', errors),
    minimumChargeMicros: validatePrice(amountOf(record, at, 'minimum_charge', decimalComma), 'minimum_charge', errors),
    enabled: validateEnabled(cellOf(record, at, 'enabled'), errors),
  };
  if (errors.errors.length === 0 && rate.sellPerMinMicros < rate.costPerMinMicros) {
    // Selling below cost is how toll fraud turns into a loss; refuse the file rather than the call.
    errors.add('sell_per_min', `sell price ${cellOf(record, at, 'sell_per_min').trim()} is below cost ${cellOf(record, at, 'cost_per_min').trim()}`);
  }
  return rate;
}
