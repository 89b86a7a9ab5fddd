import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeMemberLimits, NO_MEMBER_LIMITS, parseCountries, startOfUtcMonth, type MemberLimits } from '../../src/accounts/member-limits.js';

const limitsArb: fc.Arbitrary<MemberLimits> = fc.record({
  spendPerDayMicros: fc.option(fc.integer({ min: 0, max: 10_000_000_000 }), { nil: null }),
  spendPerMonthMicros: fc.option(fc.integer({ min: 0, max: 10_000_000_000 }), { nil: null }),
  maxConcurrentCalls: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
  allowedCountries: fc.option(fc.subarray(['US', 'GB', 'FR', 'DE']), { nil: null }),
});
const useArb = fc.record({
  spentTodayMicros: fc.integer({ min: 0, max: 10_000_000_000 }),
  spentThisMonthMicros: fc.integer({ min: 0, max: 10_000_000_000 }),
  openHolds: fc.integer({ min: 0, max: 60 }),
});
const countryArb = fc.option(fc.constantFrom('US', 'GB', 'FR', 'DE', 'JP'), { nil: null });

describe('per-member limits (pure)', () => {
  it('no limits: always allowed, with no bound on the hold', () => {
    fc.assert(fc.property(useArb, countryArb, (use, country) => {
      expect(judgeMemberLimits(NO_MEMBER_LIMITS, use, country, 'Acme', 'USD')).toEqual({ ok: true });
    }));
  });

  it('an allowed start never lets the member pass a limit: the hold is bounded by what is left of each spend limit', () => {
    fc.assert(fc.property(limitsArb, useArb, countryArb, (limits, use, country) => {
      const verdict = judgeMemberLimits(limits, use, country, 'Acme', 'USD');
      if (!verdict.ok) return;
      if (limits.allowedCountries !== null) expect(limits.allowedCountries).toContain(country);
      if (limits.maxConcurrentCalls !== null) expect(use.openHolds).toBeLessThan(limits.maxConcurrentCalls);
      if (limits.spendPerDayMicros !== null) expect(use.spentTodayMicros + verdict.spendLeftMicros!).toBeLessThanOrEqual(limits.spendPerDayMicros);
      if (limits.spendPerMonthMicros !== null) expect(use.spentThisMonthMicros + verdict.spendLeftMicros!).toBeLessThanOrEqual(limits.spendPerMonthMicros);
      if (verdict.spendLeftMicros !== undefined) expect(verdict.spendLeftMicros).toBeGreaterThan(0);
    }));
  });

  it('a refusal names the limit it hit, and it really is hit', () => {
    fc.assert(fc.property(limitsArb, useArb, countryArb, (limits, use, country) => {
      const verdict = judgeMemberLimits(limits, use, country, 'Acme', 'USD');
      if (verdict.ok) return;
      expect(verdict.message).toContain('Acme');
      if (verdict.limit === 'country') expect(country === null || !limits.allowedCountries!.includes(country)).toBe(true);
      if (verdict.limit === 'concurrent-calls') expect(use.openHolds).toBeGreaterThanOrEqual(limits.maxConcurrentCalls!);
      if (verdict.limit === 'spend-per-day') expect(use.spentTodayMicros).toBeGreaterThanOrEqual(limits.spendPerDayMicros!);
      if (verdict.limit === 'spend-per-month') expect(use.spentThisMonthMicros).toBeGreaterThanOrEqual(limits.spendPerMonthMicros!);
    }));
  });

  it('messages a person can act on', () => {
    const use = { spentTodayMicros: 5_000_000, spentThisMonthMicros: 5_000_000, openHolds: 1 };
    expect(judgeMemberLimits({ ...NO_MEMBER_LIMITS, spendPerDayMicros: 5_000_000 }, use, 'US', 'Acme', 'USD')).toEqual({ ok: false, limit: 'spend-per-day', message: 'Your spending limit of $5.0000 a day with Acme is reached: it resets at midnight UTC.' });
    expect(judgeMemberLimits({ ...NO_MEMBER_LIMITS, spendPerMonthMicros: 4_000_000 }, use, 'US', 'Acme', 'USD')).toMatchObject({ ok: false, limit: 'spend-per-month' });
    expect(judgeMemberLimits({ ...NO_MEMBER_LIMITS, maxConcurrentCalls: 1 }, use, 'US', 'Acme', 'USD')).toEqual({ ok: false, limit: 'concurrent-calls', message: 'Acme lets you make 1 call at once: wait for the other one to finish.' });
    expect(judgeMemberLimits({ ...NO_MEMBER_LIMITS, allowedCountries: ['US'] }, use, 'GB', 'Acme', 'USD')).toEqual({ ok: false, limit: 'country', message: 'Acme lets you call only US: this number is in GB.' });
    expect(judgeMemberLimits({ ...NO_MEMBER_LIMITS, spendPerDayMicros: 7_000_000, spendPerMonthMicros: 6_000_000 }, use, 'US', 'Acme', 'USD')).toEqual({ ok: true, spendLeftMicros: 1_000_000 });
  });

  it('reads the stored country list and the month start', () => {
    expect(parseCountries(null)).toBeNull();
    expect(parseCountries('us, GB,,x1')).toEqual(['US', 'GB']);
    expect(startOfUtcMonth(new Date('2026-12-07T04:00:00Z'))).toBe('2026-12-01T00:00:00.000Z');
  });
});
