/** Money is held as integer micro-units (1 unit of currency = 1,000,000 micros) so arithmetic is exact. */
export const MICROS_PER_UNIT = 1_000_000;

const decimalPattern = /^(-)?(\d+)(?:\.(\d{1,6}))?$/;

export class MoneyFormatError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`${JSON.stringify(input)} is not an amount: ${reason}`);
    this.name = 'MoneyFormatError';
  }
}

/** "0.0125" → 12500. Parses the decimal text itself so no binary float ever touches the amount. */
export function parseMicros(input: string): number {
  const text = input.trim();
  const match = decimalPattern.exec(text);
  if (!match) {
    const reason = /^-?\d*\.\d{7,}$/.test(text) ? 'more than 6 decimal places' : 'expected a decimal number such as 0.0125';
    throw new MoneyFormatError(input, reason);
  }
  const [, minus, whole, fraction = ''] = match;
  const micros = Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(6, '0'));
  if (!Number.isSafeInteger(micros)) throw new MoneyFormatError(input, 'too large');
  return minus && micros !== 0 ? -micros : micros;
}

/** Like parseMicros, but returns undefined instead of throwing (for form and CSV validation). */
export function tryParseMicros(input: string): number | undefined {
  try {
    return parseMicros(input);
  } catch {
    return undefined;
  }
}

/** 12500 → "0.0125"; keeps at least minDecimals places and drops trailing zeros beyond them. */
export function formatMicros(micros: number, minDecimals = 2): string {
  assertMicros(micros);
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  let fraction = String(abs % MICROS_PER_UNIT).padStart(6, '0');
  while (fraction.length > minDecimals && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/** Rounds half away from zero to `decimals` places, staying in integers. */
export function roundMicros(micros: number, decimals: number): number {
  assertMicros(micros);
  const step = 10 ** (6 - decimals);
  const abs = Math.abs(micros);
  const rounded = Math.floor((abs + step / 2) / step) * step;
  return micros < 0 ? -rounded : rounded;
}

export function assertMicros(micros: number): void {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`money must be an integer number of micros, got ${micros}`);
}
