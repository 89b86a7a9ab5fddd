import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMicros, parseMicros, roundMicros, tryParseMicros } from '../../src/money/micros.js';
import { formatDuration, formatMoney, formatRate, formatExactMoney } from '../../src/money/currency.js';

describe('parseMicros', () => {
  it('reads decimal strings exactly', () => {
    expect(parseMicros('0.0125')).toBe(12_500);
    expect(parseMicros('1')).toBe(1_000_000);
    expect(parseMicros('0.1')).toBe(100_000);
    expect(parseMicros(' 12.345678 ')).toBe(12_345_678);
    expect(parseMicros('-0.5')).toBe(-500_000);
    expect(parseMicros('-0')).toBe(0);
  });

  it('refuses what is not an amount, saying why', () => {
    expect(() => parseMicros('0.1234567')).toThrow(/more than 6 decimal places/);
    for (const bad of ['', 'abc', '1,5', '1e3', '.5', '1.', '0x10', 'NaN', '1 000']) {
      expect(tryParseMicros(bad), bad).toBeUndefined();
    }
    expect(() => parseMicros('99999999999999')).toThrow(/too large/);
  });

  it('round-trips through formatMicros', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (micros) => {
        expect(parseMicros(formatMicros(micros))).toBe(micros);
      }),
    );
  });

  it('formats with the requested minimum decimals', () => {
    expect(formatMicros(12_500)).toBe('0.0125');
    expect(formatMicros(1_000_000)).toBe('1.00');
    expect(formatMicros(1_000_000, 0)).toBe('1');
    expect(formatMicros(-2_500_000)).toBe('-2.50');
    expect(() => formatMicros(0.5)).toThrow(RangeError);
  });

  it('rounds half away from zero in integers', () => {
    expect(roundMicros(12_500, 2)).toBe(10_000);
    expect(roundMicros(15_000, 2)).toBe(20_000);
    expect(roundMicros(-15_000, 2)).toBe(-20_000);
    expect(roundMicros(12_345, 4)).toBe(12_300);
  });
});

describe('currency display', () => {
  it('formats balances and rates', () => {
    expect(formatMoney(1_234_500, 'USD')).toBe('$1.23');
    expect(formatMoney(1_235_000, 'USD')).toBe('$1.24');
    expect(formatMoney(-2_000_000, 'EUR')).toBe('-€2.00');
    expect(formatRate(12_500, 'USD')).toBe('$0.0125');
    expect(formatRate(100_000, 'USD')).toBe('$0.10');
  });

  it('shows a booked amount to the last micro-unit, never rounded', () => {
    expect(formatExactMoney(286_200, 'USD')).toBe('$0.2862');
    expect(formatExactMoney(-4_713_801, 'USD')).toBe('-$4.713801');
    expect(formatExactMoney(5_000_000, 'USD')).toBe('$5.00');
    expect(formatExactMoney(0, 'USD')).toBe('$0.00');
  });

  it('formats durations for people', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });
});
