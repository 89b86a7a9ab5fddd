import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMicros, parseMicros, roundMicros, tryParseMicros } from '../../src/money/micros.js';
import { formatDuration, formatMoney, formatRate, moneyDigits } from '../../src/money/currency.js';

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

describe('the one money format', () => {
  it('shows every amount with its currency and four decimals', () => {
    expect(formatMoney(1_234_500, 'USD')).toBe('$1.2345');
    expect(formatMoney(286_200, 'USD')).toBe('$0.2862');
    expect(formatMoney(5_000_000, 'USD')).toBe('$5.0000');
    expect(formatMoney(0, 'USD')).toBe('$0.0000');
    expect(formatMoney(-2_000_000, 'EUR')).toBe('-€2.0000');
    expect(formatMoney(4_676_000, 'USD')).toBe('$4.6760');
    expect(formatMoney(1_234_567_000_000, 'USD')).toBe('$1,234,567.0000');
  });

  it('rounds half away from zero at the fourth decimal', () => {
    expect(formatMoney(145_485, 'USD')).toBe('$0.1455');
    expect(formatMoney(145_449, 'USD')).toBe('$0.1454');
    expect(formatMoney(-4_713_850, 'USD')).toBe('-$4.7139');
    expect(moneyDigits(2_862)).toBe('0.0029');
  });

  it('labels every price per minute', () => {
    expect(formatRate(12_500, 'USD')).toBe('$0.0125/min');
    expect(formatRate(100_000, 'USD')).toBe('$0.1000/min');
    expect(formatRate(143_100, 'GBP')).toBe('£0.1431/min');
  });

  const amount = fc.integer({ min: -1e13, max: 1e13 });
  const shownValue = (text: string) => parseMicros(text.replace(/[^0-9.-]/g, ''));

  it('property: the currency, a sign only below zero, exactly four decimals, within half a ten-thousandth', () => {
    fc.assert(
      fc.property(amount, (micros) => {
        const text = formatMoney(micros, 'USD');
        expect(text).toMatch(/^-?\$\d{1,3}(,\d{3})*\.\d{4}$/);
        expect(Math.abs(shownValue(text) - micros)).toBeLessThanOrEqual(50);
        expect(moneyDigits(micros)).toBe(text.replace(/[$,]/g, ''));
        if (shownValue(text) !== 0) expect(text.startsWith('-')).toBe(micros < 0);
      }),
    );
  });

  it('property: the same amount prints the same everywhere, and the order of amounts is kept', () => {
    fc.assert(
      fc.property(amount, amount, (a, b) => {
        expect(formatMoney(a, 'USD')).toBe(formatMoney(a, 'USD'));
        if (a <= b) expect(shownValue(formatMoney(a, 'USD'))).toBeLessThanOrEqual(shownValue(formatMoney(b, 'USD')));
        expect(formatMoney(-a, 'USD')).toBe(shownValue(formatMoney(a, 'USD')) === 0 ? formatMoney(0, 'USD') : formatMoney(a, 'USD').startsWith('-') ? formatMoney(a, 'USD').slice(1) : `-${formatMoney(a, 'USD')}`);
      }),
    );
  });

  it('property: amounts priced in ten-thousandths (the deck prices per started minute) add up as shown', () => {
    const charge = fc.integer({ min: 0, max: 1e9 }).map((n) => n * 100);
    fc.assert(
      fc.property(fc.array(charge, { maxLength: 20 }), (charges) => {
        const total = charges.reduce((sum, c) => sum + c, 0);
        const shownSum = charges.reduce((sum, c) => sum + shownValue(formatMoney(c, 'USD')), 0);
        expect(shownValue(formatMoney(total, 'USD'))).toBe(shownSum);
      }),
    );
  });

  it('formats durations for people', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });
});
