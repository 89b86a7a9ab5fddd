import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { billedSeconds, callCost, legCost } from '../../src/rating/leg-cost.js';
import { maxTalkSeconds } from '../../src/rating/max-seconds.js';
import { defaultRatingPolicy } from '../../src/rating/rate.js';
import { rate, rateArb } from './arbitraries.js';

describe('legCost', () => {
  it('bills per started minute by default: 5 s bills 60 s, 61 s bills 120 s', () => {
    const r = rate({ sellPerMinMicros: 120_000 });
    expect(billedSeconds(r, 5)).toBe(60);
    expect(legCost(r, 5)).toBe(120_000);
    expect(legCost(r, 60)).toBe(120_000);
    expect(legCost(r, 61)).toBe(240_000);
  });

  it('charges nothing for an unanswered (0 s) leg, whatever the fees', () => {
    const r = rate({ connectionFeeMicros: 50_000, minimumChargeMicros: 90_000 });
    expect(legCost(r, 0)).toBe(0);
    expect(callCost({ first: r, bridged: r }, 0)).toBe(0);
  });

  it('applies first/next increments, connection fee and minimum charge', () => {
    const r = rate({ sellPerMinMicros: 60_000, firstIncrementS: 30, nextIncrementS: 6, connectionFeeMicros: 10_000 });
    expect(billedSeconds(r, 31)).toBe(36);
    expect(legCost(r, 31)).toBe(10_000 + 36_000);
    const withMinimum = rate({ sellPerMinMicros: 60_000, firstIncrementS: 1, nextIncrementS: 1, minimumChargeMicros: 25_000 });
    expect(legCost(withMinimum, 3)).toBe(25_000);
    expect(legCost(withMinimum, 30)).toBe(30_000);
  });

  it('treats legs shorter than the minimum billable time as free', () => {
    const policy = { ...defaultRatingPolicy, minimumBillableSeconds: 3 };
    expect(legCost(rate(), 2, policy)).toBe(0);
    expect(legCost(rate(), 3, policy)).toBe(100_000);
  });

  it('rounds fractions of a micro up', () => {
    expect(legCost(rate({ sellPerMinMicros: 1, firstIncrementS: 1, nextIncrementS: 1 }), 1)).toBe(1);
  });

  it('is monotonic in duration', () => {
    fc.assert(
      fc.property(rateArb, fc.nat(20_000), fc.nat(600), (r, d, more) => {
        expect(legCost(r, d + more)).toBeGreaterThanOrEqual(legCost(r, d));
      }),
    );
  });

  it('prices a two-leg call monotonically in talk time', () => {
    fc.assert(
      fc.property(rateArb, rateArb, fc.nat(7200), fc.nat(600), fc.constantFrom(0, 30), (first, bridged, t, more, extra) => {
        expect(callCost({ first, bridged }, t + more, extra)).toBeGreaterThanOrEqual(callCost({ first, bridged }, t, extra));
      }),
    );
  });

  it('bills both legs of a call, the first one including the ring time allowance', () => {
    const first = rate({ sellPerMinMicros: 10_000 });
    const bridged = rate({ sellPerMinMicros: 200_000 });
    expect(callCost({ first, bridged }, 61)).toBe(2 * 10_000 + 2 * 200_000);
    expect(callCost({ first, bridged }, 50, 30)).toBe(2 * 10_000 + 200_000);
  });
});

describe('maxTalkSeconds (the inverse)', () => {
  it('gives whole minutes at the default 60/60 increments', () => {
    const tariffs = { first: rate({ sellPerMinMicros: 10_000 }), bridged: rate({ sellPerMinMicros: 90_000 }) };
    expect(maxTalkSeconds(tariffs, 1_000_000)).toBe(600);
    expect(maxTalkSeconds(tariffs, 999_999)).toBe(540);
    expect(maxTalkSeconds(tariffs, 99_999)).toBe(0);
    expect(maxTalkSeconds(tariffs, 0)).toBe(0);
    expect(maxTalkSeconds(tariffs, -5)).toBe(0);
  });

  it('stops at the policy ceiling when calls are free', () => {
    const free = rate({ sellPerMinMicros: 0 });
    expect(maxTalkSeconds({ first: free, bridged: free }, 0)).toBe(defaultRatingPolicy.maxCallSeconds);
  });

  it('satisfies cost(max(B)) <= B < cost(max(B) + next increment) for random rates and balances', () => {
    fc.assert(
      fc.property(rateArb, rateArb, fc.integer({ min: 0, max: 200_000_000 }), fc.constantFrom(0, 15, 30), (first, bridged, balance, extra) => {
        const tariffs = { first, bridged };
        const max = maxTalkSeconds(tariffs, balance, { firstLegExtraSeconds: extra });
        const cost = (t: number) => callCost(tariffs, t, extra);
        expect(cost(max)).toBeLessThanOrEqual(balance);
        if (max < defaultRatingPolicy.maxCallSeconds) {
          const step = Math.min(first.nextIncrementS, bridged.nextIncrementS);
          expect(cost(max + step)).toBeGreaterThan(balance);
          expect(cost(max + 1)).toBeGreaterThan(balance);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('lands on a whole increment when both legs share increments and no ring allowance', () => {
    fc.assert(
      fc.property(rateArb, fc.integer({ min: 0, max: 50_000_000 }), (r, balance) => {
        const max = maxTalkSeconds({ first: r, bridged: r }, balance);
        if (max > r.firstIncrementS && max < defaultRatingPolicy.maxCallSeconds) {
          expect((max - r.firstIncrementS) % r.nextIncrementS).toBe(0);
        }
      }),
    );
  });
});
