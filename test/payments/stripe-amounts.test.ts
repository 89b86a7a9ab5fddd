import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromMinorUnits, toMinorUnits } from '../../src/payments/stripe-amounts.js';

describe('micros ↔ Stripe minor units', () => {
  it('round-trips every whole minor amount, in two-, zero- and three-decimal currencies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom('USD', 'eur', 'JPY', 'KWD'), (minor, currency) => {
        expect(toMinorUnits(fromMinorUnits(minor, currency), currency)).toBe(minor);
      }),
    );
  });

  it('refuses a fraction of a minor unit instead of rounding it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 9_999 }), (cents, extra) => {
        expect(toMinorUnits(cents * 10_000 + extra, 'USD')).toBeUndefined();
      }),
    );
    expect(toMinorUnits(10_000_000, 'USD')).toBe(1000);
    expect(toMinorUnits(500_000_000, 'JPY')).toBe(500);
    expect(toMinorUnits(1_234_000, 'KWD')).toBe(1234);
  });
});
