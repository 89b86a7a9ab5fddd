import { HttpError } from './errors.js';

/** The largest id a database integer column holds (PostgreSQL's integer is 32-bit signed; SQLite's is wider). */
export const MAX_ID = 2 ** 31 - 1;

/**
 * The one parser for numeric ids in paths and forms: digits only, 1 to MAX_ID. Anything else, including ids too big
 * for the column (PostgreSQL would fail "integer out of range", a 500), reads as a missing object: 404.
 */
export function parseIdParam(value: unknown, missing = 'There is nothing with that number.'): number {
  const id = typeof value === 'string' && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw new HttpError(404, missing);
  return id;
}
