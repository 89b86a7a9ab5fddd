/**
 * One CSV cell: quoted when needed, and text a spreadsheet would run as a formula is defused (CSV injection): a cell
 * can carry text we did not write (a voucher label, a number a user typed, a rate's description).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
