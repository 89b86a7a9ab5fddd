/**
 * How long each part of a call may last, so that no timing can make the charge exceed the credit held.
 *
 * The hold pays for T seconds of talk (bridged leg) and T + E seconds of the first leg (the user's own phone),
 * where E covers everything the first leg does before the bridge. Twilio may overrun any limit by a second, so:
 *   <Dial timeLimit> = T - 1                 bridged leg  <= T
 *   REST TimeLimit   = T + E - 1             first leg    <= T + E
 * and E is large enough that a call using all of its setup and ringing allowance still gets its full talk time
 * before the REST TimeLimit: E = setup (greeting, press-1 prompt) + Dial timeout + Twilio's ring buffer.
 */

/** Twilio adds about 5 s to every ring timeout. */
export const TWILIO_RING_BUFFER_S = 5;
/** A limit can be overrun by up to a second (Twilio's timers and duration rounding). */
export const OVERRUN_S = 1;
/** How long the user's own phone rings before Twilio gives up (REST Timeout). */
export const USER_RING_TIMEOUT_S = 30;
/** The hangup job fires this long after the talk limit: Twilio's own limits should have ended the call first. */
export const HANGUP_GRACE_S = 5;
/** Seconds the press-1 prompt waits for a key. */
export const CONFIRM_TIMEOUT_S = 5;
/** Greeting + prompt + waiting for the key, with room to spare (first-leg seconds before <Dial> starts). */
export const SETUP_WITH_CONFIRM_S = 20;
export const SETUP_WITHOUT_CONFIRM_S = 5;

export function setupSeconds(confirmAnswer: boolean): number {
  return confirmAnswer ? SETUP_WITH_CONFIRM_S : SETUP_WITHOUT_CONFIRM_S;
}

/** E: the first-leg seconds before the bridge that the hold pays for. */
export function preBridgeSeconds(setupS: number, dialTimeoutS: number): number {
  return setupS + dialTimeoutS + TWILIO_RING_BUFFER_S;
}

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
