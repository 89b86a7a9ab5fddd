/** The open-pages bench's call ids: `cl_` + the index in base 32 (the id alphabet), padded to 20 characters. */
export function benchCallId(index: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let digits = '';
  for (let n = index; n > 0; n = Math.floor(n / 32)) digits = alphabet[n % 32] + digits;
  return `cl_${digits.padStart(20, 'a')}`;
}
