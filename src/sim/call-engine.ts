import type { Logger } from 'pino';
import { type CallLeg, type CallStatus, type CallStore, type HangupReason, type StatusEvent, type Webhook, isTerminal } from './call-store.js';
import { countryOf, rfc2822 } from './formats.js';
import type { Handsets } from './handsets.js';
import type { Keypad } from './gather.js';
import { newSid } from './ids.js';
import { callPrice } from './pricing.js';
import type { Recordings } from './recordings.js';
import { type SimClock, Timeline, type WorkTracker } from './timeline.js';
import { TwimlRunner } from './twiml-runner.js';
import type { WebhookSender } from './webhooks.js';

/** Time from "initiated" to the far end ringing (or reporting busy / unreachable). Simulator assumption. */
export const SETUP_MS = 1_000;
/** Twilio adds about 5 s to every ring timeout (REST Timeout and Dial timeout alike). */
export const RING_TIMEOUT_BUFFER_S = 5;

export interface CreateCallInput {
  accountSid: string;
  to: string;
  from: string;
  twiml: Webhook | null;
  inlineTwiml: string | null;
  fallback: Webhook | null;
  statusCallback: Webhook | null;
  statusEvents: StatusEvent[];
  timeoutS: number;
  timeLimitS: number;
}

export interface EngineDeps {
  store: CallStore;
  handsets: Handsets;
  webhooks: WebhookSender;
  clock: SimClock;
  tracker: WorkTracker;
  /** Cost per minute (decimal string, USD) of calling a number, or null when unpriced. */
  pricePerMinute: (number: string) => string | null;
  recordings: Recordings;
  logger?: Logger | undefined;
}

export type RingOutcome = { answered: true } | { answered: false; status: CallStatus; sip: number };

export interface Notice {
  callSid: string;
  code: number;
  message: string;
}

/** Drives every leg through queued → initiated → ringing → in-progress → a terminal state. */
export class CallEngine {
  readonly notices: Notice[] = [];
  private readonly runner: TwimlRunner;
  /** While set, new REST calls stay queued (as behind Twilio's 1 call/s pacing) until released. */
  private queueGate: { promise: Promise<void>; release: () => void } | null = null;

  holdQueue(hold: boolean): void {
    if (hold && !this.queueGate) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      this.queueGate = { promise, release };
    } else if (!hold && this.queueGate) {
      this.queueGate.release();
      this.queueGate = null;
    }
  }

  constructor(readonly deps: EngineDeps) {
    this.runner = new TwimlRunner(this, deps.webhooks);
  }

  createCall(input: CreateCallInput): CallLeg {
    const timeline = new Timeline(this.deps.clock);
    const now = timeline.now();
    const leg: CallLeg = {
      sid: newSid('CA'), accountSid: input.accountSid, parentCallSid: null, direction: 'outbound-api',
      to: input.to, from: input.from, status: 'queued', dateCreated: now, dateUpdated: now, startTime: null,
      answeredAt: null, endTime: null, durationS: null, price: null, sipResponseCode: null,
      statusCallback: input.statusCallback, statusEvents: new Set(input.statusEvents), sequenceNumber: 0,
      twiml: input.twiml, inlineTwiml: input.inlineTwiml, fallback: input.fallback, timeoutS: input.timeoutS,
      timeLimitS: input.timeLimitS, timeline, hangup: new AbortController(), redirect: new AbortController(),
      pendingRedirect: null, timeLimitChanged: () => undefined, keypad: null,
    };
    this.deps.store.add(leg);
    void this.deps.tracker.track(this.runParent(leg).catch((err) => this.crashed(leg, err)));
    return leg;
  }

  createChild(parent: CallLeg, to: string, from: string, statusCallback: Webhook | null, events: StatusEvent[], timeoutS: number, timeLimitS: number): CallLeg {
    const now = parent.timeline.now();
    const leg: CallLeg = {
      sid: newSid('CA'), accountSid: parent.accountSid, parentCallSid: parent.sid, direction: 'outbound-dial',
      // <Dial> legs are never queued; the resource enum has no "initiated", so a new child reads "ringing".
      to, from, status: 'ringing', dateCreated: now, dateUpdated: now, startTime: now, answeredAt: null, endTime: null,
      durationS: null, price: null, sipResponseCode: null, statusCallback, statusEvents: new Set(events), sequenceNumber: 0,
      twiml: null, inlineTwiml: null, fallback: null, timeoutS, timeLimitS, timeline: parent.timeline,
      hangup: new AbortController(), redirect: new AbortController(), pendingRedirect: null, timeLimitChanged: () => undefined, keypad: null,
    };
    this.deps.store.add(leg);
    return leg;
  }

  private async runParent(leg: CallLeg): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.queueGate) await this.queueGate.promise;
    if (isTerminal(leg)) return; // canceled while queued: Twilio sends no callbacks at all
    leg.startTime = leg.dateUpdated = leg.timeline.touch();
    this.emit(leg, 'initiated');
    const outcome = await this.ring(leg, leg.timeoutS, leg.hangup.signal);
    if (!outcome.answered) {
      this.endLeg(leg, outcome.status, outcome.sip);
      this.finishCallbacks(leg);
      return;
    }
    this.answer(leg);
    const limits = this.armLimits(leg, leg.hangup.signal);
    try {
      await this.runner.runCall(leg);
    } finally {
      limits.abort();
    }
    this.endLeg(leg, 'completed', 200);
    this.finishCallbacks(leg);
  }

  /** Rings the far end per its handset behaviour, until it answers, declines, times out or the signal aborts. */
  async ring(leg: CallLeg, timeoutS: number, signal: AbortSignal): Promise<RingOutcome> {
    const behaviour = this.deps.handsets.behaviourFor(leg.to);
    const setup = await leg.timeline.sleep(SETUP_MS, signal);
    if (setup.kind === 'aborted') return { answered: false, status: 'canceled', sip: 487 };
    // Simulator assumption: busy and unreachable report no "ringing" first.
    if (behaviour.kind === 'unreachable') return { answered: false, status: 'failed', sip: 404 };
    if (behaviour.kind === 'busy') return { answered: false, status: 'busy', sip: 486 };
    leg.status = 'ringing';
    leg.dateUpdated = leg.timeline.now();
    this.emit(leg, 'ringing');
    type Ending = 'answer' | 'decline' | 'timeout';
    const timers: Array<{ afterMs: number; value: Ending }> = [{ afterMs: (timeoutS + RING_TIMEOUT_BUFFER_S) * 1000, value: 'timeout' }];
    if (behaviour.kind === 'answer' || behaviour.kind === 'voicemail') timers.push({ afterMs: behaviour.answerAfterS * 1000, value: 'answer' });
    if (behaviour.kind === 'reject') timers.push({ afterMs: behaviour.rejectAfterS * 1000, value: 'decline' });
    // Every ringing phone can also be picked up by hand on the handset page.
    const pressed = this.deps.handsets.ring(leg.to, leg.sid, leg.from);
    const result = await leg.timeline.wait<Ending>({ timers, external: pressed, signal });
    this.deps.handsets.stopRinging(leg.to, leg.sid);
    if (result.kind === 'aborted') return { answered: false, status: 'canceled', sip: 487 };
    if (result.value === 'answer') return { answered: true };
    // Twilio reports a rejected call as no-answer ("There was no answer or the call was rejected"); SIP 603 Decline.
    return { answered: false, status: 'no-answer', sip: result.value === 'timeout' ? 487 : 603 };
  }

  answer(leg: CallLeg): void {
    leg.status = 'in-progress';
    leg.answeredAt = leg.dateUpdated = leg.timeline.now();
    this.deps.handsets.connected(leg.to, leg.sid, leg.from, {
      hangUp: () => this.hangUp(leg, 'far-end', true),
      pressKeys: (digits) => this.pressKeys(leg, digits),
    });
    this.emit(leg, 'answered');
  }

  /**
   * A person (handset page, control API) presses keys on a live leg, all at the current instant. Returns whether a
   * <Gather> was listening; keys pressed while none listens are lost, as on a real call.
   */
  pressKeys(leg: CallLeg, digits: string): boolean {
    if (isTerminal(leg)) return false;
    leg.timeline.touch();
    const keypad = leg.keypad;
    for (const key of digits) keypad?.press(key);
    return keypad !== null;
  }

  /**
   * A handset told to press digits presses them one second apart, starting one second after each <Gather>
   * begins (simulator default from the reference). Returns a function that cancels the presses not yet made.
   */
  autoPressDigits(leg: CallLeg, keypad: Keypad): () => void {
    const behaviour = this.deps.handsets.behaviourFor(leg.to);
    if (behaviour.kind !== 'answer' || !behaviour.digits) return () => undefined;
    const cancels = [...behaviour.digits].map((key, i) => leg.timeline.schedule((i + 1) * 1000, () => keypad.press(key)));
    return () => cancels.forEach((cancel) => cancel());
  }

  /**
   * Arms the leg's time limit (from its answer; REST TimeLimit can move it) and the far end's own hang-up.
   * Abort the returned controller when the leg ends.
   */
  armLimits(leg: CallLeg, legEnded: AbortSignal): AbortController {
    const disarm = new AbortController();
    const stop = AbortSignal.any([legEnded, disarm.signal]);
    const behaviour = this.deps.handsets.behaviourFor(leg.to);
    if (behaviour.kind === 'answer' && behaviour.hangupAfterS !== undefined) {
      void leg.timeline.sleep(behaviour.hangupAfterS * 1000, stop).then((r) => r.kind === 'value' && this.hangUp(leg, 'far-end', false));
    }
    let limitTimer = new AbortController();
    const armTimeLimit = () => {
      limitTimer.abort();
      limitTimer = new AbortController();
      const remainingMs = leg.answeredAt! + leg.timeLimitS * 1000 - leg.timeline.now();
      void leg.timeline.sleep(Math.max(0, remainingMs), AbortSignal.any([stop, limitTimer.signal]))
        .then((r) => r.kind === 'value' && this.hangUp(leg, 'time-limit', false));
    };
    leg.timeLimitChanged = armTimeLimit;
    armTimeLimit();
    return disarm;
  }

  /**
   * Someone ends the leg. The resource turns terminal at once (so a REST update answers with the final state) and
   * the leg's flow is aborted to send callbacks and clean up. `external` events happen at the clock's current time.
   */
  hangUp(leg: CallLeg, reason: HangupReason, external: boolean): boolean {
    if (isTerminal(leg)) return false;
    if (external) leg.timeline.touch();
    if (leg.status === 'queued' && leg.startTime === null) this.endLeg(leg, 'canceled', 487);
    else if (leg.answeredAt !== null) this.endLeg(leg, 'completed', 200);
    else this.endLeg(leg, 'canceled', 487);
    leg.hangup.abort(reason);
    return true;
  }

  /** A REST update with Url or Twiml: the running TwiML (and any <Dial>) stops and the new TwiML takes over. */
  redirect(leg: CallLeg, target: { webhook: Webhook } | { twiml: string }): void {
    leg.timeline.touch();
    leg.pendingRedirect = target;
    leg.redirect.abort('redirect');
  }

  /** Sets the terminal state once; later calls are no-ops. */
  endLeg(leg: CallLeg, status: CallStatus, sip: number): void {
    if (isTerminal(leg)) return;
    const now = leg.timeline.now();
    leg.status = status;
    leg.endTime = leg.dateUpdated = now;
    leg.sipResponseCode = sip;
    const answered = leg.answeredAt !== null;
    leg.durationS = answered ? Math.max(0, Math.floor((now - leg.answeredAt!) / 1000)) : null;
    const rate = answered ? this.deps.pricePerMinute(leg.to) : null;
    // Unanswered calls are not charged; answered ones per started minute, shown as a negative amount.
    leg.price = rate === null ? null : callPrice(rate, billedMinutes(leg));
    this.deps.handsets.disconnected(leg.to, leg.sid);
    this.deps.handsets.stopRinging(leg.to, leg.sid);
  }

  /** The terminal status callback, then release of any callbacks held back by a shuffle fault. */
  finishCallbacks(leg: CallLeg): void {
    this.emit(leg, 'completed');
    this.deps.webhooks.legEnded(leg.sid);
  }

  /** The standard TwiML request parameters of a leg. */
  standardParams(leg: CallLeg): Record<string, string> {
    const geo = (prefix: string, number: string) => ({
      [`${prefix}City`]: '', [`${prefix}Country`]: countryOf(number), [`${prefix}State`]: '', [`${prefix}Zip`]: '',
    });
    return {
      AccountSid: leg.accountSid, ApiVersion: '2010-04-01', CallSid: leg.sid, CallStatus: leg.status,
      Called: leg.to, ...geo('Called', leg.to), Caller: leg.from, ...geo('Caller', leg.from),
      Direction: leg.direction, From: leg.from, ...geo('From', leg.from), To: leg.to, ...geo('To', leg.to),
      ...(leg.parentCallSid ? { ParentCallSid: leg.parentCallSid } : {}),
    };
  }

  /** Sends a status callback if the leg subscribed to the event. SequenceNumber counts only callbacks sent. */
  emit(leg: CallLeg, event: StatusEvent): void {
    if (!leg.statusCallback || !leg.statusEvents.has(event)) return;
    const callStatus = event === 'initiated' ? 'initiated' : event === 'answered' ? 'in-progress' : leg.status;
    const params: Record<string, string> = {
      ...this.standardParams(leg),
      CallStatus: callStatus,
      Timestamp: rfc2822(new Date(leg.timeline.now())),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(leg.sequenceNumber++),
    };
    if (event === 'completed') {
      params.CallDuration = String(leg.durationS ?? 0);
      // Duration (billed minutes) and SipResponseCode are documented for REST-created calls only; child
      // <Number> callbacks leave them out (simulator assumption, open question in the reference).
      if (leg.direction === 'outbound-api') {
        params.Duration = String(billedMinutes(leg));
        params.SipResponseCode = String(leg.sipResponseCode ?? 200);
      }
    }
    this.deps.webhooks.statusCallback(leg.statusCallback.method, leg.statusCallback.url, params, leg.sid, leg.to);
  }

  notice(callSid: string, code: number, message: string): void {
    this.notices.push({ callSid, code, message });
    this.deps.logger?.warn({ callSid, code }, `simulated Twilio warning ${code}: ${message}`);
  }

  private crashed(leg: CallLeg, err: unknown): void {
    this.deps.logger?.error({ err, callSid: leg.sid }, 'simulator call flow crashed');
    this.endLeg(leg, 'failed', 500);
  }
}

/** Billed minutes: every started minute of an answered call (an answered call is at least one minute). */
export function billedMinutes(leg: CallLeg): number {
  if (leg.answeredAt === null || leg.durationS === null) return 0;
  return Math.max(1, Math.ceil(leg.durationS / 60));
}
