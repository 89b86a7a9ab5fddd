import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampLegs, priceCall } from '../../src/calls/call-credit.js';
import { dialTimeLimit, OVERRUN_S, settledTalkLimit } from '../../src/calls/call-limits.js';
import { billedSeconds, callCost, type LegTariff } from '../../src/rating/leg-cost.js';
import { CUT_MARGIN_S, longestTalkSeconds, sizeHold } from '../../src/rating/talk-limit.js';
import { defaultRatingPolicy } from '../../src/rating/rate.js';
import { rate, rateArb } from './arbitraries.js';

const MAX = defaultRatingPolicy.maxCallSeconds;
const usLeg = rate({ sellPerMinMicros: 143_100, firstIncrementS: 60, nextIncrementS: 60 });

/** One call: the credit, both legs' tariffs, free seconds, the worst-case and the real set-up, the ceiling. */
const callArb = fc
  .record({
    first: rateArb,
    bridged: rateArb,
    availableMicros: fc.integer({ min: 0, max: 20_000_000 }),
    freeSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 600 })),
    worstSetupSeconds: fc.integer({ min: 0, max: 90 }),
    setupFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    dialFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    ceilingSeconds: fc.oneof(fc.constant(MAX), fc.integer({ min: 60, max: MAX })),
  })
  .map((c) => {
    // The real set-up never exceeds the worst case; the Dial starts before the destination answers.
    const setupSeconds = Math.floor(c.worstSetupSeconds * c.setupFraction);
    const dialSetupSeconds = Math.floor(setupSeconds * c.dialFraction);
    return { ...c, tariffs: { first: c.first, bridged: c.bridged }, setupSeconds, dialSetupSeconds };
  });

/** The seconds a leg was billed for beyond what it used: less than one of its increments, except inside the first block. */
function unusedBilledSeconds(tariff: LegTariff, seconds: number): number {
  return billedSeconds(tariff, seconds) - seconds;
}

describe('the exact cut (talk limit settled when the destination answers)', () => {
  it('lands where the preview formula says for the real set-up time, never charges above the hold, bills no increment it could not use', () => {
    fc.assert(
      fc.property(callArb, (c) => {
        const free = Math.min(c.freeSeconds, c.ceilingSeconds);
        const hold = sizeHold({ tariffs: c.tariffs, availableMicros: c.availableMicros, freeSeconds: free, worstSetupSeconds: c.worstSetupSeconds, ceilingSeconds: c.ceilingSeconds });
        expect(hold.amountMicros).toBeLessThanOrEqual(c.availableMicros);
        // A call whose worst case pays under a minute is refused before it is placed.
        fc.pre(hold.worstCaseTalkSeconds >= 60);
        const terms = { tariffs: c.tariffs, amountMicros: hold.amountMicros, freeSeconds: free, ceilingSeconds: c.ceilingSeconds };
        const cut = settledTalkLimit(terms, c.setupSeconds);

        // The preview's formula, given the real set-up time, says the same.
        const preview = longestTalkSeconds({ tariffs: c.tariffs, availableMicros: c.availableMicros, freeSeconds: free, worstSetupSeconds: c.worstSetupSeconds, ceilingSeconds: c.ceilingSeconds, setupSeconds: c.setupSeconds });
        expect(cut).toBe(Math.max(1, preview));

        // Never shorter than the worst case the call was allowed on, never past the ceiling.
        expect(cut).toBeGreaterThanOrEqual(Math.max(1, hold.worstCaseTalkSeconds - CUT_MARGIN_S));
        expect(cut).toBeLessThanOrEqual(c.ceilingSeconds);

        // The charge for the call as cut (first leg: set-up + talk) never exceeds the hold, even a second late.
        const legs = (talk: number) => ({ firstLegSeconds: c.setupSeconds + talk, bridgedSeconds: talk });
        const charge = priceCall(c.tariffs, free, legs(cut)).cost;
        expect(charge).toBeLessThanOrEqual(hold.amountMicros);
        if (cut + CUT_MARGIN_S < c.ceilingSeconds) {
          expect(priceCall(c.tariffs, free, legs(cut + CUT_MARGIN_S)).cost).toBeLessThanOrEqual(hold.amountMicros);
          // And it is the longest such talk: one second more than the margin starts something the hold cannot pay.
          expect(priceCall(c.tariffs, free, legs(cut + CUT_MARGIN_S + 1)).cost).toBeGreaterThan(hold.amountMicros);
        }

        // No leg is billed for a whole increment it could not use.
        const paidTalk = Math.max(0, cut - free);
        if (paidTalk > c.bridged.firstIncrementS) expect(unusedBilledSeconds(c.bridged, paidTalk)).toBeLessThan(c.bridged.nextIncrementS);
        const paidFirst = c.setupSeconds + paidTalk;
        if (paidTalk > 0 && paidFirst > c.first.firstIncrementS) expect(unusedBilledSeconds(c.first, paidFirst)).toBeLessThan(c.first.nextIncrementS);

        // Twilio's limits are nets behind the cut, never in front of it.
        const dialNet = dialTimeLimit(terms, c.dialSetupSeconds);
        expect(dialNet).toBeGreaterThanOrEqual(cut);
        // What the nets let through (a second of overrun each) still costs no more than the hold.
        const restNet = hold.worstCaseTalkSeconds + c.worstSetupSeconds;
        expect(c.setupSeconds + cut).toBeLessThanOrEqual(restNet - OVERRUN_S);

        // Settlement's clamp (issue 26 item 10) uses these same limits: a call cut fairly, a second late, is billed in
        // full, and so is one that only Twilio's nets ended (the hangup job never came).
        const limits = { amountMicros: hold.amountMicros, freeSeconds: free, maxSeconds: hold.worstCaseTalkSeconds, firstLegExtraSeconds: c.worstSetupSeconds, ceilingSeconds: c.ceilingSeconds };
        const lateCut = legs(cut + OVERRUN_S);
        expect(clampLegs(limits, lateCut, c.tariffs)).toEqual(lateCut);
        const netTalk = Math.min(dialNet + OVERRUN_S, restNet - c.setupSeconds);
        expect(clampLegs(limits, legs(netTalk), c.tariffs)).toEqual(legs(netTalk));
      }),
      { numRuns: 2000 },
    );
  });

  it('the example from the issue: $0.60 on a $0.2862/min route, 60/60, answered quickly: the talk uses both paid minutes', () => {
    const tariffs = { first: usLeg, bridged: usLeg };
    const worst = 20 + 30 + 5;
    const hold = sizeHold({ tariffs, availableMicros: 600_000, freeSeconds: 0, worstSetupSeconds: worst, ceilingSeconds: MAX });
    // At the worst case the call gets 65 s of talk (the first leg would reach its second minute's end).
    expect(hold.worstCaseTalkSeconds).toBe(65);
    expect(hold.amountMicros).toBe(600_000);
    const terms = { tariffs, amountMicros: hold.amountMicros, freeSeconds: 0, ceilingSeconds: MAX };
    // Press 1 and a destination answering 8 s after the user: cut at 111 s of talk, the first leg at 119 s.
    const cut = settledTalkLimit(terms, 8);
    expect(cut).toBe(111);
    expect(callCost(tariffs, cut, 8)).toBe(572_400);
    expect(callCost(tariffs, cut + 1, 8)).toBe(572_400);
    expect(callCost(tariffs, cut + 2, 8)).toBeGreaterThan(600_000);
    // The preview with a typical 15 s set-up says 1 min 44 s.
    expect(longestTalkSeconds({ tariffs, availableMicros: 600_000, freeSeconds: 0, worstSetupSeconds: worst, ceilingSeconds: MAX, setupSeconds: 15 })).toBe(104);
  });

  it('holds only what the longest allowed call could cost when the credit is larger', () => {
    const tariffs = { first: usLeg, bridged: usLeg };
    const hold = sizeHold({ tariffs, availableMicros: 1_000_000_000, freeSeconds: 0, worstSetupSeconds: 55, ceilingSeconds: 600 });
    expect(hold).toEqual({ amountMicros: callCost(tariffs, 600, 55), worstCaseTalkSeconds: 600 });
    expect(settledTalkLimit({ tariffs, amountMicros: hold.amountMicros, freeSeconds: 0, ceilingSeconds: 600 }, 10)).toBe(599);
  });
});
