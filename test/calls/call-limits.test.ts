import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceCall } from '../../src/calls/call-credit.js';
import { callLimits, OVERRUN_S, preBridgeSeconds, setupSeconds, TWILIO_RING_BUFFER_S } from '../../src/calls/call-limits.js';
import { callCost } from '../../src/rating/leg-cost.js';
import { maxTalkSeconds } from '../../src/rating/max-seconds.js';
import { defaultRatingPolicy } from '../../src/rating/rate.js';
import { rateArb } from '../rating/arbitraries.js';

/**
 * Whatever happens on the line (how long the greeting and the press-1 prompt take, how long the destination
 * rings, how long people talk, Twilio overrunning a limit by a second), the final charge never exceeds the hold.
 */
describe('limits that add up', () => {
  it('no timing makes the charge exceed what was held', () => {
    fc.assert(
      fc.property(
        rateArb,
        rateArb,
        fc.integer({ min: 0, max: 20_000_000 }), // available credit
        fc.integer({ min: 0, max: 600 }), // free seconds not yet reserved
        fc.boolean(), // press-1 guard on
        fc.integer({ min: 5, max: 60 }), // Dial timeout
        fc.record({
          setup: fc.double({ min: 0, max: 1, noNaN: true }), // share of the setup allowance used
          ring: fc.double({ min: 0, max: 1, noNaN: true }), // share of the destination's ring allowance used
          talk: fc.integer({ min: 0, max: 30_000 }), // how long they would talk if nothing cut them off
          overrunTalk: fc.integer({ min: 0, max: OVERRUN_S }),
          overrunFirst: fc.integer({ min: 0, max: OVERRUN_S }),
          after: fc.integer({ min: 0, max: 5 }), // the user's leg after the bridge ends (our Hangup)
        }),
        (first, bridged, available, freeLeft, confirm, dialTimeoutS, timing) => {
          const tariffs = { first, bridged };
          const extra = preBridgeSeconds(setupSeconds(confirm), dialTimeoutS);
          // The hold, as CallCredit.hold takes it.
          const free = Math.min(freeLeft, defaultRatingPolicy.maxCallSeconds);
          const paid = Math.min(maxTalkSeconds(tariffs, available, { firstLegExtraSeconds: extra }), defaultRatingPolicy.maxCallSeconds - free);
          const talkSeconds = free + paid;
          // startCallCredit refuses a call the credit cannot pay a minute of (minimumSeconds 60).
          fc.pre(talkSeconds >= 60);
          const held = callCost(tariffs, paid, extra);
          expect(held).toBeLessThanOrEqual(available);
          const limits = callLimits(talkSeconds, extra, dialTimeoutS);

          // The line: setup, ringing, talk capped by <Dial timeLimit>, the whole first leg capped by REST TimeLimit.
          const setup = Math.floor(timing.setup * setupSeconds(confirm));
          const ring = Math.floor(timing.ring * (dialTimeoutS + TWILIO_RING_BUFFER_S));
          const firstLegCap = limits.restTimeLimitS + timing.overrunFirst;
          let talk = Math.min(timing.talk, limits.talkLimitS + timing.overrunTalk);
          talk = Math.min(talk, Math.max(0, firstLegCap - setup - ring));
          const firstLeg = Math.min(setup + ring + talk + timing.after, firstLegCap);

          const { cost } = priceCall(tariffs, free, { firstLegSeconds: firstLeg, bridgedSeconds: talk });
          expect(cost).toBeLessThanOrEqual(held);
          // A call that uses its whole setup and ring allowance still gets all the talk time the credit pays for.
          expect(setupSeconds(confirm) + dialTimeoutS + TWILIO_RING_BUFFER_S + limits.talkLimitS).toBeLessThanOrEqual(limits.restTimeLimitS);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
