import type { Timeline } from './timeline.js';
import type { GatherSpec, TwimlVerb } from './twiml.js';

/** Simulated speaking rate for <Say>, and the assumed length of a <Play> file: assumptions, not Twilio facts. */
const SAY_MS_PER_CHAR = 60;
const PLAY_MS = 3_000;

/** How long an audio verb takes in simulated time; null for verbs that are not audio. */
export function audioDurationMs(verb: TwimlVerb): number | null {
  switch (verb.verb) {
    case 'Say':
      return Math.max(1000, verb.text.length * SAY_MS_PER_CHAR) * verb.loop;
    case 'Play':
      return PLAY_MS * verb.loop;
    case 'Pause':
      return verb.lengthS * 1000;
    default:
      return null;
  }
}

/** The keys a handset can send: Twilio's DTMF set. */
export const DTMF_DIGITS = /^[0-9*#]{1,32}$/;

/**
 * The keys pressed on a leg while one <Gather> listens. `arrived` is aborted whenever a key is waiting, so a
 * timeline wait can include it in its signal: the wait then ends at the instant the key was pressed.
 */
export class Keypad {
  private readonly keys: string[] = [];
  private arrived = new AbortController();

  press(key: string): void {
    this.keys.push(key);
    this.arrived.abort('key');
  }
  get signal(): AbortSignal {
    return this.arrived.signal;
  }
  take(): string | undefined {
    const key = this.keys.shift();
    if (this.keys.length === 0 && this.arrived.signal.aborted) this.arrived = new AbortController();
    return key;
  }
}

export type GatherOutcome =
  | { kind: 'interrupted' }
  /** digits may be '' (no input); finishedOnKey is '' unless the finish key ended the input. */
  | { kind: 'input'; digits: string; finishedOnKey: string };

export interface GatherContext {
  timeline: Timeline;
  keypad: Keypad;
  /** The call ending or being redirected. */
  interruption: AbortSignal;
  /** Tells about a nested verb that is not simulated inside <Gather>. */
  skipped: (verb: TwimlVerb) => void;
}

/**
 * Runs one <Gather>: the nested audio plays until the first key; then each key restarts the `timeout` wait.
 * Ends on numDigits keys, the finish key, or the timeout (an empty result when no digit came first).
 */
export async function collectDigits(spec: GatherSpec, ctx: GatherContext): Promise<GatherOutcome> {
  const { timeline, keypad, interruption } = ctx;
  const keyOrEnd = () => AbortSignal.any([interruption, keypad.signal]);
  for (const verb of spec.prompt) {
    if (keypad.signal.aborted) break;
    const durationMs = audioDurationMs(verb);
    if (durationMs === null) {
      ctx.skipped(verb);
      continue;
    }
    await timeline.sleep(durationMs, keyOrEnd());
    if (interruption.aborted) return { kind: 'interrupted' };
  }
  const digits: string[] = [];
  for (;;) {
    for (let key = keypad.take(); key !== undefined; key = keypad.take()) {
      if (spec.finishOnKey !== '' && key === spec.finishOnKey) return { kind: 'input', digits: digits.join(''), finishedOnKey: key };
      digits.push(key);
      if (spec.numDigits !== null && digits.length >= spec.numDigits) return { kind: 'input', digits: digits.join(''), finishedOnKey: '' };
    }
    const waited = await timeline.sleep(spec.timeoutS * 1000, keyOrEnd());
    if (interruption.aborted) return { kind: 'interrupted' };
    if (waited.kind === 'value') return { kind: 'input', digits: digits.join(''), finishedOnKey: '' };
  }
}
