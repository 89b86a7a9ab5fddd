/**
 * The first leg (the user's own phone) is billed from its answer, so the seconds before the bridge are paid for.
 * These are the allowances the worst case reserves for, and the typical times a preview estimates with.
 */

/** Twilio adds about 5 s to every ring timeout. */
export const TWILIO_RING_BUFFER_S = 5;
/** Greeting + press-1 prompt + waiting for the key, with room to spare (first-leg seconds before <Dial> starts). */
export const SETUP_WITH_CONFIRM_S = 20;
export const SETUP_WITHOUT_CONFIRM_S = 5;
/** What the set-up usually takes: the prompt and the key (about 6 s), then two or three rings of the destination. */
export const TYPICAL_SETUP_WITH_CONFIRM_S = 15;
export const TYPICAL_SETUP_WITHOUT_CONFIRM_S = 10;

export function setupSeconds(confirmAnswer: boolean): number {
  return confirmAnswer ? SETUP_WITH_CONFIRM_S : SETUP_WITHOUT_CONFIRM_S;
}

export function typicalSetupSeconds(confirmAnswer: boolean): number {
  return confirmAnswer ? TYPICAL_SETUP_WITH_CONFIRM_S : TYPICAL_SETUP_WITHOUT_CONFIRM_S;
}

/** The worst case: the first-leg seconds before the bridge when the set-up and the destination's ringing take all they may. */
export function preBridgeSeconds(setupS: number, dialTimeoutS: number): number {
  return setupS + dialTimeoutS + TWILIO_RING_BUFFER_S;
}
