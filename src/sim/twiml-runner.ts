import type { CallEngine } from './call-engine.js';
import { type CallLeg, isStatusEvent } from './call-store.js';
import { isE164 } from './formats.js';
import { Keypad, audioDurationMs, collectDigits } from './gather.js';
import type { SimRecording } from './recordings.js';
import { type DialSpec, type GatherSpec, type NumberSpec, type TwimlVerb, TwimlError, parseTwiml } from './twiml.js';
import type { WebhookKind, WebhookSender } from './webhooks.js';

interface TwimlDocument {
  verbs: TwimlVerb[];
  /** URL the document came from: the base for its relative URLs (null for inline Twiml). */
  base: string | null;
}

/** Executes the TwiML a parent leg receives: fetch, verbs in order, Redirect, Dial with its action. */
export class TwimlRunner {
  constructor(private readonly engine: CallEngine, private readonly webhooks: WebhookSender) {}

  /** Runs until the TwiML is exhausted, a Hangup, a failed fetch, or the leg is hung up. */
  async runCall(leg: CallLeg): Promise<void> {
    let doc = await this.initialDocument(leg);
    while (!leg.hangup.signal.aborted) {
      // A REST redirect wins over whatever the call was doing or had just fetched.
      if (leg.pendingRedirect) doc = await this.takeRedirect(leg);
      else if (doc) doc = await this.runDocument(leg, doc);
      else return;
    }
  }

  private async takeRedirect(leg: CallLeg): Promise<TwimlDocument | null> {
    const target = leg.pendingRedirect!;
    leg.pendingRedirect = null;
    leg.redirect = new AbortController();
    if ('twiml' in target) return this.parse(leg, target.twiml, null);
    return this.fetch(leg, 'redirect', target.webhook.url, target.webhook.method, this.engine.standardParams(leg));
  }

  /** What interrupts a verb: the call ending, or a REST redirect. */
  private interruption(leg: CallLeg): AbortSignal {
    return AbortSignal.any([leg.hangup.signal, leg.redirect.signal]);
  }

  /** Returns the next document when control moves (Redirect, Dial action), null when the call should end. */
  private async runDocument(leg: CallLeg, doc: TwimlDocument): Promise<TwimlDocument | null> {
    const signal = this.interruption(leg);
    for (const verb of doc.verbs) {
      if (signal.aborted) return null;
      switch (verb.verb) {
        case 'Say':
        case 'Play':
        case 'Pause':
          await leg.timeline.sleep(audioDurationMs(verb)!, signal);
          break;
        case 'Hangup':
        case 'Reject':
          return null;
        case 'Redirect': {
          const url = this.resolve(leg, verb.url, doc.base);
          return url ? this.fetch(leg, 'redirect', url, verb.method, this.engine.standardParams(leg)) : null;
        }
        case 'Dial': {
          const result = await this.dial(leg, verb.dial, doc.base);
          // With an action, the action's TwiML takes over; verbs after <Dial> are unreachable.
          if (result.actionRequested) return result.next;
          break;
        }
        case 'Gather': {
          const result = await this.gather(leg, verb.gather, doc.base);
          // Digits sent to the action: its TwiML replaces the rest of this document.
          if (result.actionRequested) return result.next;
          break;
        }
        case 'Unsupported':
          this.engine.notice(leg.sid, 12200, `<${verb.name}> is not simulated; skipped`);
          break;
      }
    }
    return null;
  }

  private async dial(parent: CallLeg, spec: DialSpec, base: string | null): Promise<{ actionRequested: boolean; next: TwimlDocument | null }> {
    // callbridge dials one <Number>; simultaneous ringing of several is not simulated (the first one is dialed).
    const target = spec.numbers[0];
    let dialStatus: string;
    let child: CallLeg | null = null;
    let recording: SimRecording | null = null;
    for (const problem of spec.recordProblems) this.engine.notice(parent.sid, problem.code, problem.message);
    if (!target || !isE164(target.number)) {
      this.engine.notice(parent.sid, 13223, `Dial: invalid phone number format ${target?.number ?? '(none)'}`);
      dialStatus = 'failed';
    } else {
      const callback = target.statusCallback ? this.resolve(parent, target.statusCallback, base) : null;
      const events = target.statusCallbackEvents.filter(isStatusEvent);
      // Default callerId: the parent's From (simulator assumption, open question in the reference).
      child = this.engine.createChild(parent, target.number, spec.callerId ?? parent.from,
        callback ? { url: callback, method: target.statusCallbackMethod } : null, events, spec.timeoutS, spec.timeLimitS);
      recording = await this.bridge(parent, child, spec, target, base);
      dialStatus = child.status;
    }
    // Redirected out of the <Dial>: the new TwiML takes over and the action is not requested (simulator assumption).
    if (parent.pendingRedirect) return { actionRequested: true, next: null };
    if (!spec.action) return { actionRequested: false, next: null };
    const actionUrl = this.resolve(parent, spec.action, base);
    if (!actionUrl) return { actionRequested: true, next: null };
    const parentGone = parent.hangup.signal.aborted;
    const params: Record<string, string> = {
      ...this.engine.standardParams(parent),
      // The parent may already be over (caller hung up, REST completed): the action is still requested.
      CallStatus: parentGone ? 'completed' : parent.status,
      DialCallStatus: dialStatus,
      ...(child ? { DialCallSid: child.sid, DialCallDuration: String(child.durationS ?? 0) } : {}),
      DialBridged: String(child !== null && child.answeredAt !== null),
      // The file may not be downloadable yet: the recording status callback says when it is.
      ...(recording ? { RecordingUrl: this.engine.deps.recordings.mediaUrl(recording) } : {}),
    };
    const next = await this.fetch(parent, 'action', actionUrl, spec.method, params);
    // When the parent is gone its TwiML is never executed.
    return { actionRequested: true, next: parentGone ? null : next };
  }

  /**
   * Listens for keys on the leg. No input (and actionOnEmptyResult off) goes on with the next verb; otherwise the
   * action is requested with Digits and FinishedOnKey (empty when the finish key was not pressed).
   */
  private async gather(leg: CallLeg, spec: GatherSpec, base: string | null): Promise<{ actionRequested: boolean; next: TwimlDocument | null }> {
    if (spec.input.split(/\s+/).some((kind) => kind !== 'dtmf')) {
      this.engine.notice(leg.sid, 12200, `<Gather input="${spec.input}">: speech is not simulated; listening for keys only`);
    }
    const keypad = new Keypad();
    leg.keypad = keypad;
    this.engine.deps.handsets.listening(leg.to, leg.sid, true);
    const stopAutoPresses = this.engine.autoPressDigits(leg, keypad);
    const outcome = await collectDigits(spec, {
      timeline: leg.timeline,
      keypad,
      interruption: this.interruption(leg),
      skipped: (verb) => this.engine.notice(leg.sid, 12200, `<${verb.verb === 'Unsupported' ? verb.name : verb.verb}> inside <Gather> is not simulated; skipped`),
    }).finally(() => {
      stopAutoPresses();
      if (leg.keypad === keypad) leg.keypad = null;
      this.engine.deps.handsets.listening(leg.to, leg.sid, false);
    });
    // The caller hung up or a REST redirect took over: no action request (simulator assumption).
    if (outcome.kind === 'interrupted') return { actionRequested: true, next: null };
    if (outcome.digits === '' && !spec.actionOnEmptyResult) return { actionRequested: false, next: null };
    // Without an action Twilio requests the current document again (which can loop, as Twilio warns).
    const target = spec.action ?? base;
    const actionUrl = target === null ? null : this.resolve(leg, target, base);
    if (!actionUrl) {
      if (target === null) this.engine.notice(leg.sid, 11100, '<Gather> in inline TwiML has no action URL; the digits are dropped');
      return { actionRequested: true, next: null };
    }
    const params = { ...this.engine.standardParams(leg), Digits: outcome.digits, FinishedOnKey: outcome.finishedOnKey };
    return { actionRequested: true, next: await this.fetch(leg, 'action', actionUrl, spec.method, params) };
  }

  /**
   * Rings the child and holds the bridge until either side ends it or the Dial timeLimit expires. A <Number url>
   * whisper plays to the child once it answers, before the legs are joined; a -answer recording starts after it
   * (simulator assumption for open question 1: the whisper is not recorded), a -ringing one when ringing starts.
   */
  private async bridge(parent: CallLeg, child: CallLeg, spec: DialSpec, target: NumberSpec, base: string | null): Promise<SimRecording | null> {
    const engine = this.engine;
    const either = AbortSignal.any([this.interruption(parent), child.hangup.signal]);
    let recording: SimRecording | null = null;
    const record = spec.record;
    const startRecording = () => {
      if (!record || recording) return;
      const callback = record.callback ? this.resolve(parent, record.callback, base) : null;
      recording = engine.deps.recordings.start(parent, child, record, callback ? { url: callback, method: record.callbackMethod } : null);
    };
    engine.emit(child, 'initiated');
    if (record?.mode.startsWith('record-from-ringing')) startRecording();
    const outcome = await engine.ring(child, spec.timeoutS, either);
    if (outcome.answered) {
      engine.answer(child);
      // timeLimit counts from the child's answer (simulator assumption; the reference leaves it open).
      const limits = engine.armLimits(child, child.hangup.signal);
      const joined = target.url ? await this.whisper(child, target, base, either) : true;
      if (joined && !either.aborted) {
        startRecording();
        await child.timeline.wait({ signal: either });
      }
      limits.abort();
      engine.endLeg(child, 'completed', 200);
    } else {
      engine.endLeg(child, outcome.status, outcome.sip);
    }
    if (recording) engine.deps.recordings.stop(recording, parent, child);
    engine.finishCallbacks(child);
    return recording;
  }

  /**
   * <Number url>: fetches the whisper TwiML with the child's parameters and plays it to the child alone. Returns
   * false when it hangs up (the legs are never joined). A failed fetch still joins them (simulator assumption).
   */
  private async whisper(child: CallLeg, target: NumberSpec, base: string | null, signal: AbortSignal): Promise<boolean> {
    const url = this.resolve(child, target.url!, base);
    if (!url) return true;
    const doc = await this.fetch(child, 'whisper', url, target.method, this.engine.standardParams(child));
    for (const verb of doc?.verbs ?? []) {
      if (signal.aborted) return false;
      const durationMs = audioDurationMs(verb);
      if (durationMs !== null) await child.timeline.sleep(durationMs, signal);
      else if (verb.verb === 'Hangup' || verb.verb === 'Reject') {
        this.engine.hangUp(child, 'twiml', false);
        return false;
      } else {
        this.engine.notice(child.sid, 12200, `<${verb.verb === 'Unsupported' ? verb.name : verb.verb}> in a <Number url> whisper is not simulated; skipped`);
      }
    }
    return !signal.aborted;
  }

  private async initialDocument(leg: CallLeg): Promise<TwimlDocument | null> {
    if (leg.inlineTwiml !== null) return this.parse(leg, leg.inlineTwiml, null);
    if (!leg.twiml) return null;
    const params = this.engine.standardParams(leg);
    const doc = await this.fetch(leg, 'twiml', leg.twiml.url, leg.twiml.method, params);
    if (doc || !leg.fallback || leg.hangup.signal.aborted) return doc;
    const errorCode = this.lastFailure.get(leg) ?? 11200;
    return this.fetch(leg, 'fallback', leg.fallback.url, leg.fallback.method, { ...params, ErrorCode: String(errorCode), ErrorUrl: leg.twiml.url });
  }

  /** Why the last fetch of a leg failed, for the fallback request's ErrorCode. */
  private readonly lastFailure = new WeakMap<CallLeg, number>();

  private async fetch(leg: CallLeg, kind: WebhookKind, url: string, method: 'GET' | 'POST', params: Record<string, string>): Promise<TwimlDocument | null> {
    leg.timeline.pause();
    const result = await this.webhooks.request(kind, method, url, params, leg.sid).finally(() => leg.timeline.resume());
    if (!result.ok) {
      const code = result.status === 0 ? 11205 : 11200;
      this.lastFailure.set(leg, code);
      this.engine.notice(leg.sid, code, `HTTP ${result.status || 'connection'} failure for ${kind} ${url}${result.error ? `: ${result.error}` : ''}`);
      return null;
    }
    if (kind === 'action' && result.body.trim() === '') return { verbs: [], base: url };
    return this.parse(leg, result.body, url);
  }

  private parse(leg: CallLeg, xml: string, base: string | null): TwimlDocument | null {
    try {
      return { verbs: parseTwiml(xml), base };
    } catch (error) {
      const code = error instanceof TwimlError ? error.code : 12100;
      this.lastFailure.set(leg, code);
      this.engine.notice(leg.sid, code, error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private resolve(leg: CallLeg, url: string, base: string | null): string | null {
    try {
      return new URL(url, base ?? undefined).toString();
    } catch {
      this.engine.notice(leg.sid, 11100, `Invalid URL ${url}`);
      return null;
    }
  }
}
