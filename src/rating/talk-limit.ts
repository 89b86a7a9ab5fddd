import { callCost, type CallTariffs } from './leg-cost.js';
import { maxTalkSeconds } from './max-seconds.js';
import { defaultRatingPolicy, type RatingPolicy } from './rate.js';

/**
 * How long a call may talk, decided in two steps.
 *
 * When the call is placed we only know the worst case: the first leg (the user's own phone) may spend its whole
 * set-up allowance (greeting, press-1 prompt, the destination ringing to its timeout) before the bridge. That worst
 * case decides whether the call is allowed at all and sizes Twilio's safety nets. The hold reserves the whole
 * available credit (up to what the longest allowed call could cost), because a faster set-up leaves more of it
 * for talking.
 *
 * When the destination answers, the first leg's real set-up time is known, and the talk limit is settled from it:
 * the longest talk the hold pays for on both legs, so the call ends inside the last increment the credit paid for
 * and never starts one it cannot pay. The preview runs the same formula with a typical set-up time.
 */

/** The cut comes this long before the credit's last paid second: Twilio's durations and our timers can each be a second out. */
export const CUT_MARGIN_S = 1;

export interface TalkBudget {
  tariffs: CallTariffs;
  /** Money the talk may cost (the call's hold). */
  budgetMicros: number;
  /** Free seconds of talk before paid time starts (they cover both legs). */
  freeSeconds: number;
  /** Seconds the first leg was up before the bridge: billed on the first leg with the talk. */
  setupSeconds: number;
  /** The longest call allowed whatever the credit (the policy's maximum, a daily spending cap). */
  ceilingSeconds: number;
  policy?: RatingPolicy;
}

/** The longest talk the budget pays for given the set-up time: free seconds, then paid time on both legs. */
export function paidTalkSeconds(budget: TalkBudget): number {
  const paid = maxTalkSeconds(budget.tariffs, budget.budgetMicros, { firstLegExtraSeconds: budget.setupSeconds, policy: budget.policy ?? defaultRatingPolicy });
  return Math.min(budget.ceilingSeconds, budget.freeSeconds + paid);
}

/** Seconds of talk after which the call is cut: the paid talk less the safety margin (0: the credit pays for no talk). */
export function talkLimitSeconds(budget: TalkBudget): number {
  return Math.max(0, paidTalkSeconds(budget) - CUT_MARGIN_S);
}

export interface HoldSizing {
  tariffs: CallTariffs;
  availableMicros: number;
  freeSeconds: number;
  /** The worst-case set-up: the first leg's seconds before the bridge if everything takes as long as allowed. */
  worstSetupSeconds: number;
  ceilingSeconds: number;
  policy?: RatingPolicy;
}

/**
 * What a call reserves: the whole available credit, or less when even the longest allowed call (the ceiling, at the
 * worst-case set-up) would cost less. `worstCaseTalkSeconds` is the talk the hold pays for at the worst-case set-up.
 */
export function sizeHold(sizing: HoldSizing): { amountMicros: number; worstCaseTalkSeconds: number } {
  const policy = sizing.policy ?? defaultRatingPolicy;
  const free = Math.max(0, Math.min(sizing.freeSeconds, sizing.ceilingSeconds));
  const paidRoom = sizing.ceilingSeconds - free;
  const available = Math.max(0, sizing.availableMicros);
  const paid = maxTalkSeconds(sizing.tariffs, available, { firstLegExtraSeconds: sizing.worstSetupSeconds, policy });
  if (paid >= paidRoom) {
    return { amountMicros: callCost(sizing.tariffs, paidRoom, sizing.worstSetupSeconds, policy), worstCaseTalkSeconds: sizing.ceilingSeconds };
  }
  return { amountMicros: available, worstCaseTalkSeconds: free + paid };
}

export interface LongestCallQuestion extends Omit<HoldSizing, 'freeSeconds'> {
  freeSeconds: number;
  /** The set-up time to assume: the real one once the destination answered, a typical one for a preview. */
  setupSeconds: number;
}

/**
 * The preview's formula and the cut's: the talk limit a call gets from this credit if its set-up takes
 * `setupSeconds`. The cut settled when the destination answers is exactly this, with the real set-up time.
 */
export function longestTalkSeconds(question: LongestCallQuestion): number {
  const hold = sizeHold(question);
  const free = Math.max(0, Math.min(question.freeSeconds, question.ceilingSeconds));
  return talkLimitSeconds({
    tariffs: question.tariffs,
    budgetMicros: hold.amountMicros,
    freeSeconds: free,
    setupSeconds: question.setupSeconds,
    ceilingSeconds: question.ceilingSeconds,
    ...(question.policy ? { policy: question.policy } : {}),
  });
}
