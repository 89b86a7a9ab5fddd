/**
 * A plain number, signed or not: a phone number in E.164 (+442079460958), an amount (-1.50). A spreadsheet reads
 * these as numbers, never as formulas, so they are written exactly as they are.
 */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * One CSV cell: quoted when needed, and text a spreadsheet would run as a formula is defused (CSV injection): a cell
 * can carry text we did not write (a voucher label, a number a user typed, a rate's description). Cells starting
 * with = @ tab or CR, and + or - starts that are not plain numbers, get a leading apostrophe; plain numbers are left
 * alone. The deck importer strips that apostrophe again (unguardCsvCell, in parse-deck.ts), so an export re-imports
 * unchanged.
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
