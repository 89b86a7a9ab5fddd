import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Knex } from 'knex';
import { HoldNotFoundError, type CallCredit, type HoldTerms, type Settlement } from './call-credit.js';
import { costBreakdown } from './call-cost.js';
import { dialTimeLimit, settledTalkLimit, setupSecondsUntil } from './call-limits.js';
import { deriveStatus, isLive, mergeFacts, readyToSettle, type CallFacts, type FactsUpdate } from './call-state.js';
import { confirmTwiml, dialTwiml, goodbyeTwiml, hangupTwiml, webhookUrls } from './call-twiml.js';
import type { CallChange, CallEvent, CallPatch, CallRecord, CallsRepository, KeyedEvent } from './calls-repository.js';
import {
  dialActionParams,
  FINAL_CALL_STATUSES,
  gatherParams,
  statusCallbackParams,
  timelineParams,
  twimlRequestParams,
  type Params,
} from './webhook-params.js';

/** The part of the job scheduler calls need: one hangup job per call at its credit deadline. */
export interface HangupScheduler {
  scheduleHangup(callId: string, at: Date): Promise<void>;
  cancelHangup(callId: string): Promise<number>;
}

export interface CallEventsDeps {
  repo: CallsRepository;
  callCredit: CallCredit;
  clock: Clock;
  logger: Logger;
  publicUrl: string;
  hangups: HangupScheduler | undefined;
  /** Runs once per call after its settlement commits; only the process whose update settled the call calls it. */
  onSettled?: ((call: CallRecord) => Promise<void>) | undefined;
  /** Whether the call records (the user opted in, within quota), and the consent notices; none: never records. */
  recording?: RecordingPolicy | undefined;
}

/** The recordings feature's answer at dial time (handed in by the composition root; calls does not import it). */
export interface RecordingPolicy {
  planFor(call: { id: string; userId: number }): Promise<{ callerNotice: string } | null>;
}

/** Statuses only we set: a refused create fails the call; an unanswered one leaves it unconfirmed (from starting only). */
type ForcedStatus = 'failed' | 'unconfirmed';

/** How long after the user's leg ended we wait for the bridged leg's duration before asking Twilio. */
const SETTLE_WAIT_MS = 60_000;

interface Applied {
  call: CallRecord;
  previous: CallRecord;
  duplicate: boolean;
}

/**
 * Everything Twilio tells us about a call, applied as facts to the call as it stands (CallsRepository.changeCall: a
 * version-checked write, decided again if another writer came first): the event is recorded once (duplicates change
 * nothing), the state is derived from all facts (order does not matter, nothing moves backwards), and the call is
 * settled exactly once when both legs' durations are known. No Twilio API calls here.
 */
export class CallEvents {
  constructor(private readonly deps: CallEventsDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** The Url Twilio fetches when the user's phone answers: the press-1 guard, or the bridge. */
  async answer(callId: string, raw: Params): Promise<string> {
    const params = twimlRequestParams(raw);
    const now = this.now();
    const applied = await this.apply(callId, { source: 'twiml', event: 'answered', params: raw }, 'twiml:answer', { parentSid: params.callSid, answeredAt: now });
    if (!applied) return goodbyeTwiml('This call is not available. Goodbye.');
    const { call } = applied;
    if (call.confirmAnswer && !call.dialStartedAt) {
      const terms = await this.deps.callCredit.holdTerms(call.id);
      if (!mayDial(call, terms)) return this.cancelledTwiml(call);
      // An upper bound: the destination's ringing still comes off it, so the prompt says "up to".
      const talkS = settledTalkLimit(terms, setupSecondsUntil(call.answeredAt, now));
      return confirmTwiml(webhookUrls(this.deps.publicUrl, call.id), call.toE164, talkS);
    }
    return this.dial(call);
  }

  /** The press-1 guard's answer: 1 bridges the call; silence (a voicemail) or another key ends it undialled. */
  async confirm(callId: string, raw: Params): Promise<string> {
    const params = gatherParams(raw);
    const pressedOne = params.digits === '1';
    const applied = await this.apply(callId, { source: 'gather', event: params.digits ? `pressed ${params.digits}` : 'no key pressed', params: raw }, 'gather', {
      parentSid: params.callSid,
      confirmDigits: params.digits,
      ...(pressedOne ? { confirmedAt: this.now() } : {}),
    });
    if (!applied) return goodbyeTwiml('This call is not available. Goodbye.');
    if (applied.call.confirmDigits !== '1') return goodbyeTwiml(params.digits ? 'The call was not connected. Goodbye.' : 'We did not hear a key, so the call was not connected. Goodbye.');
    return this.dial(applied.call);
  }

  /** The Dial is over: its status and duration are the bridged leg's. The user's leg then ends. */
  async dialAction(callId: string, raw: Params): Promise<string> {
    const params = dialActionParams(raw);
    const bridgedSeconds = params.dialCallStatus === 'completed' ? (params.dialCallDuration ?? 0) : 0;
    // The parent's own status says who left: still in progress, the number called hung up; over, the user's phone did.
    // Our own hangups (you, an administrator, the credit) were recorded first and win.
    const endedBy = params.dialCallStatus === 'completed' ? (raw.CallStatus === 'in-progress' ? 'destination' : 'your-phone') : undefined;
    await this.apply(callId, { source: 'dial-action', event: `dial ${params.dialCallStatus}`, params: raw }, 'dial-action', {
      ...(endedBy ? { endedBy } : {}),
      ...(params.dialCallSid ? { childSid: params.dialCallSid } : {}),
      dialStatus: params.dialCallStatus,
      bridgedSeconds,
    });
    return hangupTwiml();
  }

  /** Status callbacks of the user's own leg (the REST call). */
  async parentStatus(callId: string, raw: Params): Promise<void> {
    const p = statusCallbackParams(raw);
    const now = this.now();
    const update: FactsUpdate = { parentSid: p.callSid };
    if (p.callStatus === 'ringing') update.ringingAt = now;
    if (p.callStatus === 'in-progress') update.answeredAt = now;
    if (FINAL_CALL_STATUSES.has(p.callStatus)) {
      update.parentEndedAt = now;
      // A 603 Decline is reported as no-answer (or busy): the SIP code tells that the user turned the call down.
      update.parentFinalStatus = p.callStatus !== 'completed' && raw.SipResponseCode === '603' ? 'declined' : p.callStatus;
      update.firstLegSeconds = p.callStatus === 'completed' ? (p.callDuration ?? 0) : 0;
    }
    await this.apply(callId, { source: 'parent', event: p.callStatus, sequence: p.sequence ?? null, params: raw }, `parent:${p.sequence ?? p.callStatus}`, update, { sid: p.callSid, leg: 'parent' });
  }

  /** Status callbacks of the bridged leg (<Number statusCallback>). */
  async childStatus(callId: string, raw: Params): Promise<void> {
    const p = statusCallbackParams(raw);
    const now = this.now();
    const update: FactsUpdate = { childSid: p.callSid, dialStartedAt: now };
    // The destination answered: the talk limit is settled from the first leg's real set-up time (see planChange).
    let terms: HoldTerms | undefined;
    if (p.callStatus === 'in-progress') {
      update.bridgedAt = now;
      terms = await this.deps.callCredit.holdTerms(callId);
    }
    if (FINAL_CALL_STATUSES.has(p.callStatus)) {
      update.dialStatus = p.callStatus;
      update.bridgedSeconds = p.callStatus === 'completed' ? (p.callDuration ?? 0) : 0;
    }
    await this.apply(callId, { source: 'child', event: p.callStatus, sequence: p.sequence ?? null, params: raw }, `child:${p.sequence ?? p.callStatus}`, update, { sid: p.callSid, leg: 'child' }, terms);
  }

  /** Adds facts from us (a hangup request, a REST failure, reconciliation) the same way as Twilio's. */
  async record(callId: string, event: { source: CallEvent['source']; event: string; params?: Params }, dedupeKey: string, update: FactsUpdate & { status?: ForcedStatus }): Promise<CallRecord | undefined> {
    return (await this.apply(callId, { ...event, params: event.params ?? {} }, dedupeKey, update))?.call;
  }

  /**
   * Settles a call whose legs are both known, once; the reconciliation job calls this too. One transaction: the
   * ledger settles the hold with what the legs cost (CallCredit prices them) and the call's cost is recorded with it.
   */
  async settle(call: CallRecord): Promise<void> {
    if (call.settledAt) return;
    const legs = { firstLegSeconds: call.firstLegSeconds ?? 0, bridgedSeconds: call.bridgedSeconds ?? 0 };
    const settledAt = this.now();
    let changed = 0;
    let chargedMicros = 0;
    const record = async (trx: Knex.Transaction | undefined, settlement: Pick<Settlement, 'chargedMicros' | 'freeSecondsUsed' | 'uncollectedMicros'> & Partial<Pick<Settlement, 'tariffs' | 'billedLegs'>>) => {
      // Without tariffs the call never held credit (refused before its hold): settled at no charge, no breakdown.
      const breakdown = settlement.tariffs && settlement.billedLegs ? costBreakdown(settlement.tariffs, settlement.billedLegs, settlement) : null;
      chargedMicros = settlement.chargedMicros;
      changed = await this.deps.repo.recordSettlement(call.id, { costMicros: settlement.chargedMicros, uncollectedCostMicros: breakdown?.uncollectedMicros ?? 0, costBreakdown: breakdown, settledAt }, trx);
    };
    await this.deps.callCredit.settle({ callSid: call.id, ...legs }, (trx, settlement) => record(trx, settlement)).catch(async (err: unknown) => {
      if (!(err instanceof HoldNotFoundError)) throw err;
      await record(undefined, { chargedMicros: 0, freeSecondsUsed: 0, uncollectedMicros: 0 });
    });
    this.deps.logger.info({ callId: call.id, status: call.status, chargedMicros, ...legs }, 'call settled');
    if (changed > 0) await this.deps.onSettled?.({ ...call, costMicros: chargedMicros, settledAt });
  }

  private async dial(call: CallRecord): Promise<string> {
    const terms = await this.deps.callCredit.holdTerms(call.id);
    if (!mayDial(call, terms)) return this.cancelledTwiml(call);
    const started = (await this.record(call.id, { source: 'us', event: 'dialling the destination' }, 'us:dial', { dialStartedAt: this.now() })) ?? call;
    // A safety net only: the hangup job cuts at the limit settled when the destination answers, which is never later.
    const talkLimitS = dialTimeLimit(terms, setupSecondsUntil(started.answeredAt, this.now()));
    // A recording decision that cannot be read records nothing rather than holding up the call.
    const recording = await this.deps.recording?.planFor({ id: call.id, userId: call.userId }).catch((err: unknown) => {
      this.deps.logger.error({ err, callId: call.id }, 'could not read the recording preference; the call is not recorded');
      return null;
    });
    return dialTwiml(webhookUrls(this.deps.publicUrl, call.id), { toE164: call.toE164, callerId: call.fromE164, talkLimitS, dialTimeoutS: call.dialTimeoutS, recording });
  }

  private cancelledTwiml(call: CallRecord): string {
    return goodbyeTwiml(call.hangupRequestedAt ? 'You cancelled this call. Goodbye.' : 'This call cannot be connected. Goodbye.');
  }

  private async apply(
    callId: string,
    event: Omit<CallEvent, 'receivedAt' | 'sequence' | 'params'> & { sequence?: number | null; params: Params },
    dedupeKey: string,
    update: FactsUpdate & { status?: ForcedStatus },
    leg?: { sid: string; leg: 'parent' | 'child' },
    terms?: HoldTerms,
  ): Promise<Applied | undefined> {
    const now = this.now();
    const keyed = { event: { ...event, sequence: event.sequence ?? null, params: timelineParams(event.params), receivedAt: now }, dedupeKey };
    const isOtherLeg = (call: CallRecord) => {
      const knownSid = leg?.leg === 'parent' ? call.parentSid : leg?.leg === 'child' ? call.childSid : null;
      return Boolean(leg && knownSid && knownSid !== leg.sid);
    };
    const outcome = await this.deps.repo.changeCall(callId, (call): Planned => {
      if (isOtherLeg(call)) return { kind: 'ignore' };
      // An event that adds no fact (a repeat of something known) changes nothing: recording it is one insert.
      if (!update.status && !addsFacts(call, update)) return { kind: 'record', event: keyed };
      return planChange(call, update, keyed, now, terms);
    });
    if (!outcome) {
      this.deps.logger.warn({ callId, event: event.event, source: event.source }, 'webhook for an unknown call id; ignored');
      return undefined;
    }
    const { call, change } = outcome;
    if (change.kind === 'ignore') {
      this.deps.logger.warn({ callId, leg: leg?.leg, sid: leg?.sid }, 'webhook for another Twilio call than the one on record; ignored');
      return { call, previous: call, duplicate: true };
    }
    if (change.kind === 'record') return { call, previous: call, duplicate: !outcome.recorded };
    const applied = { call: change.next, previous: call, duplicate: false };
    await this.afterChange(applied);
    return applied;
  }

  /** Side effects once the facts are committed: the hangup job, settlement. */
  private async afterChange({ call, previous }: Applied): Promise<void> {
    const { hangups, logger } = this.deps;
    if (hangups && call.bridgedAt && !previous.bridgedAt && isLive(call.status)) {
      // The exact cut: the moment the settled talk limit runs out (Twilio's limits are the nets behind it).
      const deadline = new Date(Date.parse(call.bridgedAt) + call.talkLimitS * 1000);
      await hangups.scheduleHangup(call.id, deadline).catch((err: unknown) => logger.error({ err, callId: call.id }, 'could not schedule the hangup job; Twilio limits still cap the call'));
    }
    // The user hung up before we knew Twilio's SID (its create was in flight or never answered): the first callback
    // naming the call lets the hangup job end it at once; no Twilio request from inside a webhook.
    if (hangups && call.parentSid && !previous.parentSid && call.hangupRequestedAt && isLive(call.status)) {
      await hangups.scheduleHangup(call.id, this.deps.clock.now()).catch((err: unknown) => logger.error({ err, callId: call.id }, 'could not schedule the late hangup; the answer TwiML still refuses to connect'));
    }
    if (hangups && !isLive(call.status) && isLive(previous.status) && previous.bridgedAt) {
      await hangups.cancelHangup(call.id).catch((err: unknown) => logger.warn({ err, callId: call.id }, 'could not cancel the hangup job; it will find the call over'));
    }
    if (!call.settledAt && call.status !== 'failed' && readyToSettle(call)) await this.settle(call);
  }
}

/** A call may ring the destination while it is live, not hung up by the user, and its credit is still held. */
function mayDial<T extends { open: boolean }>(call: CallRecord, terms: T | undefined): terms is T {
  return isLive(call.status) && !call.hangupRequestedAt && terms?.open === true;
}

/** Whether an update would add anything not already known (facts are only ever added, never replaced). */
function addsFacts(call: CallRecord, update: FactsUpdate): boolean {
  return Object.entries(update).some(([key, value]) => value !== null && value !== undefined && (call as unknown as Record<string, unknown>)[key] == null);
}

type Planned = Exclude<CallChange, { kind: 'change' }> | (Extract<CallChange, { kind: 'change' }> & { next: CallRecord });

/** The call after the update's facts are merged, its derived state, and what to write for it (pure). */
function planChange(call: CallRecord, update: FactsUpdate & { status?: ForcedStatus }, keyed: KeyedEvent, now: string, terms?: HoldTerms): Planned {
  const { status: forced, ...factUpdate } = update;
  const force = forced === 'failed' || (forced === 'unconfirmed' && call.status === 'starting');
  const merged = mergeFacts(force ? { ...call, status: forced } : call, factUpdate) as CallRecord;
  if (terms && merged.bridgedAt && !call.bridgedAt) {
    merged.talkLimitS = settledTalkLimit(terms, setupSecondsUntil(merged.answeredAt, merged.bridgedAt));
  }
  const derived = deriveStatus(merged);
  const next: CallRecord = { ...merged, status: derived.status, failureReason: derived.failureReason ?? merged.failureReason };
  const patch: CallPatch = {};
  for (const key of Object.keys(next) as (keyof CallFacts)[]) {
    if (next[key] !== call[key]) (patch as Record<string, unknown>)[key] = next[key];
  }
  if (isLive(call.status) && !isLive(next.status)) {
    patch.liveUserId = null;
    patch.endedAt = next.endedAt = now;
  }
  if (next.status === 'ending' && call.status !== 'ending') {
    patch.expectedEndAt = next.expectedEndAt = new Date(Date.parse(now) + SETTLE_WAIT_MS).toISOString();
  }
  const events = [keyed];
  if (next.status !== call.status) events.push({ event: { source: 'us', event: `status ${next.status}`, sequence: null, params: null, receivedAt: now }, dedupeKey: `status:${next.status}` });
  return { kind: 'change', patch, events, next };
}
