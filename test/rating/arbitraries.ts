import fc from 'fast-check';
import type { Rate } from '../../src/rating/rate.js';

const increments = fc.constantFrom(1, 6, 10, 30, 60);

/** Random but plausible rate rows: up to $5/min, fees up to $0.50, any common increment pair. */
export const rateArb: fc.Arbitrary<Rate> = fc.record({
  prefix: fc.stringMatching(/^[1-9]\d{0,5}$/),
  iso: fc.constant('GB'),
  country: fc.constant('United Kingdom'),
  description: fc.constant('sample'),
  sellPerMinMicros: fc.integer({ min: 0, max: 5_000_000 }),
  costPerMinMicros: fc.integer({ min: 0, max: 5_000_000 }),
  firstIncrementS: increments,
  nextIncrementS: increments,
  connectionFeeMicros: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500_000 })),
  minimumChargeMicros: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500_000 })),
  enabled: fc.constant(true),
});

export function rate(overrides: Partial<Rate> = {}): Rate {
  return {
    prefix: '44',
    iso: 'GB',
    country: 'United Kingdom',
    description: 'United Kingdom',
    sellPerMinMicros: 100_000,
    costPerMinMicros: 50_000,
    firstIncrementS: 60,
    nextIncrementS: 60,
    connectionFeeMicros: 0,
    minimumChargeMicros: 0,
    enabled: true,
    ...overrides,
  };
}
