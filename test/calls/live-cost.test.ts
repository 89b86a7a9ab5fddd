import { Eta } from 'eta';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costSteps, MAX_COST_STEPS } from '../../src/calls/call-cost.js';
import { priceCall } from '../../src/calls/call-credit.js';
import { callStatusView, liveCostView } from '../../src/calls/call-view.js';
import { viewsDir } from '../../src/paths.js';
import type { LegTariff } from '../../src/rating/leg-cost.js';
import { callRecord } from './helpers/call-record.js';

const us: LegTariff = { sellPerMinMicros: 143_100, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const terms = { tariffs: { first: us, bridged: us }, freeSeconds: 0, amountMicros: 600_000 };

describe('the cost of a connected call as it goes on', () => {
  it('$0.60 on a $0.2862/min route, 8 s of set-up: nothing, then a minute of each leg, the first leg’s second minute, the bridged leg’s', () => {
    expect(costSteps(terms, 8, 111, priceCall)).toEqual([
      { fromS: 0, costMicros: 0 },
      { fromS: 1, costMicros: 286_200 },
      { fromS: 53, costMicros: 429_300 },
      { fromS: 61, costMicros: 572_400 },
    ]);
    // From the moment the page is drawn on: earlier steps are not sent.
    expect(costSteps(terms, 8, 111, priceCall, 70)).toEqual([{ fromS: 70, costMicros: 572_400 }]);
  });

  it('property: each step is what settlement would charge from then on, never above the hold, rising only', () => {
    const tariff = fc.record({
      sellPerMinMicros: fc.integer({ min: 0, max: 2_000_000 }),
      firstIncrementS: fc.constantFrom(1, 6, 30, 60),
      nextIncrementS: fc.constantFrom(1, 6, 30, 60),
      connectionFeeMicros: fc.integer({ min: 0, max: 100_000 }),
      minimumChargeMicros: fc.constant(0),
    });
    fc.assert(
      fc.property(tariff, tariff, fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 1200 }), (first, bridged, freeSeconds, amountMicros, setupS, talkLimitS) => {
        const t = { tariffs: { first, bridged }, freeSeconds, amountMicros };
        const steps = costSteps(t, setupS, talkLimitS, priceCall);
        expect(steps.length).toBeLessThanOrEqual(MAX_COST_STEPS);
        const charge = (s: number) => Math.min(priceCall(t.tariffs, freeSeconds, { firstLegSeconds: s + setupS, bridgedSeconds: s }).cost, amountMicros);
        for (let i = 0; i < steps.length; i++) {
          const step = steps[i]!;
          expect(step.costMicros).toBe(charge(step.fromS));
          expect(step.costMicros).toBeLessThanOrEqual(amountMicros);
          const next = steps[i + 1];
          if (next) {
            expect(next.fromS).toBeGreaterThan(step.fromS);
            expect(next.costMicros).toBeGreaterThan(step.costMicros);
            // Nothing changes between two steps.
            expect(charge(next.fromS - 1)).toBe(step.costMicros);
          } else if (steps.length < MAX_COST_STEPS) {
            expect(charge(talkLimitS)).toBe(step.costMicros);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the connected fragment shows the price, the cost so far and the steps the page ticks, all in the one money format', () => {
    const bridgedAt = '2026-11-22T10:00:10.000Z';
    const call = callRecord({ status: 'connected', answeredAt: '2026-11-22T10:00:02.000Z', bridgedAt, talkLimitS: 111 });
    const now = new Date(Date.parse(bridgedAt) + 30_000);
    const liveCost = { perMinuteMicros: 286_200, steps: costSteps(terms, 8, 111, priceCall, 30) };
    const view = callStatusView(call, { now, currency: 'USD', csrfToken: 'x', liveCost });
    expect(view.connected?.cost).toEqual({ perMinute: '$0.2862/min', now: '$0.2862', steps: '30=$0.2862|53=$0.4293|61=$0.5724' });
    const html = new Eta({ views: viewsDir, autoEscape: true, autoTrim: false }).render('partials/call-status', view);
    expect(html).toContain('Cost so far <strong class="amount" data-cost-steps="30=$0.2862|53=$0.4293|61=$0.5724" data-cost-seconds="30">$0.2862</strong>');
    expect(html).toContain('at $0.2862/min, both legs');
    expect(html).not.toContain('<html');
    expect(liveCostView({ perMinuteMicros: 1, steps: [{ fromS: 0, costMicros: 0 }] }, 5, 'EUR').now).toBe('€0.0000');
  });
});
