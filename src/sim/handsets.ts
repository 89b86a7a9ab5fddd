/**
 * Virtual handsets: the far ends the simulator rings. Each number has a behaviour; unknown numbers are "manual" and
 * wait for a person on the handset page (or control.press) until the ring timeout.
 */
export type HandsetBehaviour =
  /**
   * Answers after answerAfterS of ringing; hangs up hangupAfterS after answering (never, if absent). With digits,
   * presses them one second apart starting one second after each <Gather> begins.
   */
  | { kind: 'answer'; answerAfterS: number; hangupAfterS?: number | undefined; digits?: string | undefined }
  /** An answering machine: answers after answerAfterS and never presses a key (stays until the call ends it). */
  | { kind: 'voicemail'; answerAfterS: number }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  /** Rings, then declines after rejectAfterS. */
  | { kind: 'reject'; rejectAfterS: number }
  /** Cannot be reached: the leg fails (SIP 404) without ringing. */
  | { kind: 'unreachable' }
  /** Waits for Answer / Decline / Hang up from the handset page or control API. */
  | { kind: 'manual' };

export interface MagicNumber {
  number: string;
  behaviour: HandsetBehaviour;
  description: string;
}

/**
 * Built-in test numbers, in the spirit of Twilio's +1500555xxxx magic numbers. +15005550001 is refused at REST
 * create (21211), like Twilio's magic "invalid To"; the rest are placed and behave as described.
 */
export const MAGIC_NUMBERS: readonly MagicNumber[] = [
  { number: '+15005550100', behaviour: { kind: 'answer', answerAfterS: 3 }, description: 'answers after 3 s and stays on the line' },
  { number: '+15005550175', behaviour: { kind: 'answer', answerAfterS: 5, hangupAfterS: 75 }, description: 'answers after 5 s, hangs up 75 s later' },
  { number: '+15005550110', behaviour: { kind: 'answer', answerAfterS: 2, hangupAfterS: 10 }, description: 'answers after 2 s, hangs up 10 s later' },
  { number: '+15005550101', behaviour: { kind: 'answer', answerAfterS: 1, digits: '1' }, description: 'answers after 1 s and presses 1 when a <Gather> asks' },
  { number: '+15005550600', behaviour: { kind: 'voicemail', answerAfterS: 2 }, description: 'voicemail: answers after 2 s, never presses a key' },
  { number: '+15005550200', behaviour: { kind: 'busy' }, description: 'busy' },
  { number: '+15005550300', behaviour: { kind: 'no-answer' }, description: 'rings until the timeout (no-answer)' },
  { number: '+15005550400', behaviour: { kind: 'reject', rejectAfterS: 3 }, description: 'rings, declines after 3 s' },
  { number: '+15005550500', behaviour: { kind: 'unreachable' }, description: 'unreachable: the call fails (SIP 404)' },
];

/** Refused synchronously by REST create with 21211, like Twilio's magic invalid number. */
export const MAGIC_INVALID_NUMBER = '+15005550001';

export type HandsetAction = 'answer' | 'decline';

/** What the handset page and control API can do to a phone in a call. */
export interface LiveCall {
  hangUp: () => void;
  /** Presses keys; true when a <Gather> was listening for them. */
  pressKeys: (digits: string) => boolean;
}

interface Ringing {
  callSid: string;
  from: string;
  resolve: (action: HandsetAction) => void;
}

export interface HandsetView {
  number: string;
  state: 'idle' | 'ringing' | 'in-call';
  from: string | null;
  callSid: string | null;
  verifyCode: string | null;
  /** In a call whose <Gather> is waiting for keys. */
  listening: boolean;
  /** The keys pressed by hand during the current call, for the page to echo. */
  keysPressed: string;
  /** In a call that is being recorded right now. */
  recording: boolean;
}

export class Handsets {
  private readonly behaviours = new Map<string, HandsetBehaviour>(MAGIC_NUMBERS.map((m) => [m.number, m.behaviour]));
  private readonly ringing = new Map<string, Ringing>();
  private readonly inCall = new Map<string, { callSid: string; from: string; live: LiveCall; listening: boolean; keysPressed: string; recording: boolean }>();
  private readonly codes = new Map<string, string>();
  private readonly seen = new Set<string>();

  setBehaviour(number: string, behaviour: HandsetBehaviour): void {
    this.behaviours.set(number, behaviour);
    this.seen.add(number);
  }
  resetBehaviour(number: string): void {
    const magic = MAGIC_NUMBERS.find((m) => m.number === number);
    if (magic) this.behaviours.set(number, magic.behaviour);
    else this.behaviours.delete(number);
  }
  behaviourFor(number: string): HandsetBehaviour {
    return this.behaviours.get(number) ?? { kind: 'manual' };
  }

  /** Starts ringing; the promise settles when a person presses Answer or Decline. */
  ring(number: string, callSid: string, from: string): Promise<HandsetAction> {
    this.seen.add(number);
    return new Promise((resolve) => this.ringing.set(number, { callSid, from, resolve }));
  }
  stopRinging(number: string, callSid: string): void {
    if (this.ringing.get(number)?.callSid === callSid) this.ringing.delete(number);
  }
  connected(number: string, callSid: string, from: string, live: LiveCall): void {
    this.inCall.set(number, { callSid, from, live, listening: false, keysPressed: '', recording: false });
  }
  /** A <Gather> on the call to this phone starts or stops listening. */
  listening(number: string, callSid: string, listening: boolean): void {
    const call = this.inCall.get(number);
    if (call?.callSid === callSid) call.listening = listening;
  }
  /** A recording of the call this phone is in starts or stops. */
  recording(number: string, callSid: string, recording: boolean): void {
    const call = this.inCall.get(number);
    if (call?.callSid === callSid) call.recording = recording;
  }
  disconnected(number: string, callSid: string): void {
    if (this.inCall.get(number)?.callSid === callSid) this.inCall.delete(number);
  }

  /** A button on the handset page; false when there is nothing to press it on. */
  press(number: string, button: 'answer' | 'decline' | 'hangup'): boolean {
    if (button === 'hangup') {
      const call = this.inCall.get(number);
      call?.live.hangUp();
      return Boolean(call);
    }
    const ringing = this.ringing.get(number);
    if (!ringing) return false;
    this.ringing.delete(number);
    ringing.resolve(button);
    return true;
  }

  /** Keys pressed on a phone in a call: null when it is in no call, else whether a <Gather> heard them. */
  pressKeys(number: string, digits: string): { heard: boolean } | null {
    const call = this.inCall.get(number);
    if (!call) return null;
    call.keysPressed = (call.keysPressed + digits).slice(-32);
    return { heard: call.live.pressKeys(digits) };
  }

  receiveVerifyCode(number: string, code: string): void {
    this.codes.set(number, code);
    this.seen.add(number);
  }
  lastVerifyCode(number: string): string | undefined {
    return this.codes.get(number);
  }

  views(): HandsetView[] {
    const numbers = [...new Set([...this.seen, ...this.ringing.keys(), ...this.inCall.keys()])].sort();
    return numbers.map((number) => {
      const ringing = this.ringing.get(number);
      const call = this.inCall.get(number);
      return {
        number,
        state: ringing ? 'ringing' : call ? 'in-call' : 'idle',
        from: ringing?.from ?? call?.from ?? null,
        callSid: ringing?.callSid ?? call?.callSid ?? null,
        verifyCode: this.codes.get(number) ?? null,
        listening: !ringing && Boolean(call?.listening),
        keysPressed: ringing ? '' : call?.keysPressed ?? '',
        recording: !ringing && Boolean(call?.recording),
      };
    });
  }
}
