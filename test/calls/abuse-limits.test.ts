import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultAbusePolicy,
  effectiveDailyCap,
  judgeAttempt,
  judgeOwnPhone,
  judgeUnanswered,
  worstDailyLossMicros,
  type AbusePolicy,
  type AttemptCounts,
} from '../../src/calls/abuse-limits.js';
import { priceCall } from '../../src/calls/call-credit.js';
import { legCost } from '../../src/rating/leg-cost.js';
import { preBridgeSeconds, SETUP_WITH_CONFIRM_S } from '../../src/rating/call-setup.js';

const policyArb: fc.Arbitrary<AbusePolicy> = fc.record({
  attemptsPerHour: fc.integer({ min: 1, max: 100 }),
  attemptsPerDay: fc.integer({ min: 1, max: 500 }),
  destinationsPerDay: fc.integer({ min: 1, max: 200 }),
  freeUnansweredPerDay: fc.integer({ min: 0, max: 10 }),
  holdAfterUnansweredPerDay: fc.integer({ min: 1, max: 50 }),
  newAccountDays: fc.integer({ min: 0, max: 30 }),
  newAccountDailySpendMicros: fc.integer({ min: 0, max: 100_000_000 }),
  ownLegMaxCostPerMinMicros: fc.integer({ min: 0, max: 2_000_000 }),
});
const countsArb: fc.Arbitrary<AttemptCounts> = fc.record({
  attemptsThisHour: fc.integer({ min: 1, max: 1000 }),
  attemptsToday: fc.integer({ min: 1, max: 1000 }),
  destinationsToday: fc.integer({ min: 0, max: 1000 }),
});

describe('call attempt limits (pure)', () => {
  it('allows exactly the attempts within every limit, and holds the account past a daily one', () => {
    fc.assert(
      fc.property(countsArb, policyArb, (counts, policy) => {
        const verdict = judgeAttempt(counts, policy);
        const withinDaily = counts.attemptsToday <= policy.attemptsPerDay && counts.destinationsToday <= policy.destinationsPerDay;
        const within = withinDaily && counts.attemptsThisHour <= policy.attemptsPerHour;
        expect(verdict.kind === 'allow').toBe(within);
        expect(verdict.kind === 'hold').toBe(!withinDaily);
      }),
    );
  });

  it('is monotonic: fewer attempts are never treated worse', () => {
    const rank = { allow: 0, refuse: 1, hold: 2 } as const;
    fc.assert(
      fc.property(countsArb, countsArb, policyArb, (a, b, policy) => {
        const low = { attemptsThisHour: Math.min(a.attemptsThisHour, b.attemptsThisHour), attemptsToday: Math.min(a.attemptsToday, b.attemptsToday), destinationsToday: Math.min(a.destinationsToday, b.destinationsToday) };
        expect(rank[judgeAttempt(low, policy).kind]).toBeLessThanOrEqual(rank[judgeAttempt(a, policy).kind]);
      }),
    );
  });

  it('charges the own leg of unanswered attempts past the free ones, and holds from the alert on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), policyArb, (n, policy) => {
        const verdict = judgeUnanswered(n, policy);
        expect(verdict.billFirstLeg).toBe(n > policy.freeUnansweredPerDay);
        expect(verdict.holdReason !== undefined).toBe(n >= policy.holdAfterUnansweredPerDay);
      }),
    );
  });

  it('caps a new account\'s daily spend, and never loosens an admin\'s cap', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: null }), fc.integer({ min: 0, max: 60 * 86_400_000 }), policyArb, (userCap, ageMs, policy) => {
        const created = new Date('2026-01-01T00:00:00Z');
        const cap = effectiveDailyCap(userCap, created.toISOString(), new Date(created.getTime() + ageMs), policy);
        const isNew = ageMs < policy.newAccountDays * 86_400_000;
        if (userCap !== null) expect(cap).toBeLessThanOrEqual(userCap);
        if (isNew) expect(cap).toBeLessThanOrEqual(policy.newAccountDailySpendMicros);
        if (!isNew) expect(cap).toBe(userCap ?? undefined);
      }),
    );
  });

  it('lets only mobiles and landlines under the cost cap be an own phone, unless an admin allowed the type', () => {
    const types = fc.constantFrom('MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'TOLL_FREE', undefined);
    fc.assert(
      fc.property(types, fc.integer({ min: 0, max: 2_000_000 }), policyArb, fc.boolean(), (type, cost, policy, allowed) => {
        const ok = judgeOwnPhone(type, cost, policy, allowed).ok;
        const rightType = allowed || type === 'MOBILE' || type === 'FIXED_LINE' || type === 'FIXED_LINE_OR_MOBILE';
        expect(ok).toBe(rightType && cost <= policy.ownLegMaxCostPerMinMicros);
      }),
    );
  });
});

describe('what a day of unanswered attempts can cost us', () => {
  const preBridge = preBridgeSeconds(SETUP_WITH_CONFIRM_S, 30);

  it('is at most $0.50 with the default policy', () => {
    expect(worstDailyLossMicros(preBridge)).toBeLessThanOrEqual(500_000);
  });

  it('never exceeds worstDailyLossMicros, whatever the attempts, their first legs and a sell price at or above cost', () => {
    const attempt = fc.record({ firstLegSeconds: fc.integer({ min: 0, max: preBridge }) });
    fc.assert(
      fc.property(fc.array(attempt, { maxLength: 200 }), fc.integer({ min: 0, max: defaultAbusePolicy.ownLegMaxCostPerMinMicros }), fc.integer({ min: 0, max: 1_000_000 }), (attempts, costPerMin, markup) => {
        // Twilio bills us per started minute at cost; we charge the own leg at its sell tariff (never below cost).
        const ours = { sellPerMinMicros: costPerMin, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
        const sell = { ...ours, sellPerMinMicros: costPerMin + markup };
        let unanswered = 0;
        let loss = 0;
        for (const a of attempts) {
          if (a.firstLegSeconds === 0) continue;
          unanswered++;
          const { billFirstLeg } = judgeUnanswered(unanswered);
          const charged = priceCall({ first: sell, bridged: sell }, 0, { firstLegSeconds: a.firstLegSeconds, bridgedSeconds: 0, chargeUnbridgedFirstLeg: billFirstLeg }).cost;
          loss += Math.max(0, legCost(ours, a.firstLegSeconds) - charged);
        }
        expect(loss).toBeLessThanOrEqual(worstDailyLossMicros(preBridge));
      }),
    );
  });
});

describe('the configured policy', () => {
  it('defaults to defaultAbusePolicy, and reads each limit from the environment', async () => {
    const { loadConfig } = await import('../../src/config/config.js');
    const { numberTypesAllowed, ...policy } = loadConfig({}).fraud;
    expect(numberTypesAllowed).toBeUndefined();
    expect(policy).toEqual(defaultAbusePolicy);
    expect(loadConfig({ CALL_ATTEMPTS_PER_HOUR: '5', NEW_ACCOUNT_DAILY_SPEND: '2.5', OWN_LEG_MAX_COST_PER_MIN: '0.3' }).fraud).toMatchObject({ attemptsPerHour: 5, newAccountDailySpendMicros: 2_500_000, ownLegMaxCostPerMinMicros: 300_000 });
    expect(() => loadConfig({ CALL_ATTEMPTS_PER_HOUR: '0' })).toThrow(/CALL_ATTEMPTS_PER_HOUR/);
    expect(() => loadConfig({ NUMBER_TYPES_ALLOWED: 'GB:PREMIUM_RATE' })).toThrow(/NUMBER_TYPES_ALLOWED/);
  });
});
