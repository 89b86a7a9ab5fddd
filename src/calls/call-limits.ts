/**
 * How long each part of a call may last, so that no timing can make the charge exceed the credit held.
 *
 * The exact cut (src/rating/talk-limit.ts): when the destination answers, the first leg has been up for s seconds
 * (ring time included); the talk limit is the longest talk the hold pays for on both legs given s, less a second of
 * margin, and the hangup job ends the call at that moment (a REST update). Twilio's own limits stay as safety nets
 * for a hangup that never comes, sized so that they never cut before the exact cut:
 *   <Dial timeLimit> = paid talk at the set-up seen when dialling, less a second   (the destination answers later,
 *                      so the settled limit is never longer)
 *   REST TimeLimit   = worst-case talk T + worst-case set-up E, less a second       (s + settled talk <= T + E)
 * where E covers the greeting, the press-1 prompt, the Dial timeout and Twilio's ring buffer.
 */

export { preBridgeSeconds, setupSeconds, SETUP_WITH_CONFIRM_S, SETUP_WITHOUT_CONFIRM_S, TWILIO_RING_BUFFER_S, typicalSetupSeconds } from '../rating/call-setup.js';
import { TWILIO_RING_BUFFER_S } from '../rating/call-setup.js';
import type { CallTariffs } from '../rating/leg-cost.js';
import type { RatingPolicy } from '../rating/rate.js';
import { paidTalkSeconds, talkLimitSeconds } from '../rating/talk-limit.js';

/** A limit can be overrun by up to a second (Twilio's timers and duration rounding). */
export const OVERRUN_S = 1;
/** How long the user's own phone rings before Twilio gives up (REST Timeout). */
export const USER_RING_TIMEOUT_S = 30;
/** Slack on top of the longest call before reconciliation may look at a call that did not report its end. */
export const HANGUP_GRACE_S = 5;
/** Seconds the press-1 prompt waits for a key. */
export const CONFIRM_TIMEOUT_S = 5;

export interface CallLimits {
  /** <Dial timeLimit>: the bridged talk. */
  talkLimitS: number;
  /** REST TimeLimit: the whole first leg from the user's answer. */
  restTimeLimitS: number;
  /** <Dial timeout>. */
  dialTimeoutS: number;
  /** REST Timeout: how long the user's phone rings. */
  userRingTimeoutS: number;
}

/** The limits for a hold paying `talkSeconds` of talk with `preBridgeS` of first leg before the bridge. */
export function callLimits(talkSeconds: number, preBridgeS: number, dialTimeoutS: number): CallLimits {
  return {
    talkLimitS: Math.max(1, talkSeconds - OVERRUN_S),
    restTimeLimitS: Math.max(1, talkSeconds + preBridgeS - OVERRUN_S),
    dialTimeoutS,
    userRingTimeoutS: USER_RING_TIMEOUT_S,
  };
}

/** When a call whose hold pays `limits` should certainly be over, counted from its creation (ms). */
export function expectedDurationMs(limits: CallLimits): number {
  return (limits.userRingTimeoutS + TWILIO_RING_BUFFER_S + limits.restTimeLimitS + HANGUP_GRACE_S) * 1000;
}

/** What a call's hold pays for: the money reserved, its free seconds, the tariffs and the ceiling on its length. */
export interface HoldBudget {
  tariffs: CallTariffs;
  amountMicros: number;
  freeSeconds: number;
  ceilingSeconds: number;
}

/** Whole seconds from the first leg's answer to `at`, rounded up (the first leg is billed from its answer). */
export function setupSecondsUntil(answeredAt: string | null, at: string): number {
  if (!answeredAt) return 0;
  return Math.max(0, Math.ceil((Date.parse(at) - Date.parse(answeredAt)) / 1000));
}

function budgetOf(hold: HoldBudget, setupS: number, policy?: RatingPolicy) {
  return { tariffs: hold.tariffs, budgetMicros: hold.amountMicros, freeSeconds: hold.freeSeconds, setupSeconds: setupS, ceilingSeconds: hold.ceilingSeconds, ...(policy ? { policy } : {}) };
}

/** The talk limit settled when the destination answers, `setupS` after the first leg did (at least 1 s). */
export function settledTalkLimit(hold: HoldBudget, setupS: number, policy?: RatingPolicy): number {
  return Math.max(1, talkLimitSeconds(budgetOf(hold, setupS, policy)));
}

/** <Dial timeLimit> when dialling `setupSoFarS` after the first leg answered: never shorter than the settled limit. */
export function dialTimeLimit(hold: HoldBudget, setupSoFarS: number, policy?: RatingPolicy): number {
  return Math.max(1, paidTalkSeconds(budgetOf(hold, setupSoFarS, policy)) - OVERRUN_S);
}
