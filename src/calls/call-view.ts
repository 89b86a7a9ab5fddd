import { formatDuration, formatMoney, formatRate } from '../money/currency.js';
import { formatInternational } from '../rating/phone.js';
import { callOutcome } from './call-outcome.js';
import { isFinal, isLive } from './call-state.js';
import type { CallEvent, CallRecord } from './calls-repository.js';
import type { LiveCost } from './call-cost.js';

/** How often the status fragment asks again: often while the call is being set up, rarely once it talks. */
export const POLL_SETUP_S = 2;
export const POLL_CONNECTED_S = 30;

export interface CallStatusView {
  id: string;
  status: CallRecord['status'];
  /** What the fragment shows, sent back by its poll as ?seen=: the same key means nothing to update. */
  seen: string;
  to: string;
  headline: string;
  detail: string | null;
  /** Seconds until the next poll; null at a final state (no trigger, polling stops). */
  pollS: number | null;
  connected: { elapsedS: number; elapsed: string; leftS: number; left: string; lastMinute: boolean; cost: LiveCostView | null } | null;
  result: { cost: string; talk: string | null; nothingCharged: boolean } | null;
  /** A way on from a finished call (add credit when it ran out). */
  link: { href: string; text: string } | null;
  canHangUp: boolean;
  csrfToken: string;
}

/** The price and the cost so far of a connected call; `steps` ("fromS=amount|…") lets call-clock.js tick it. */
export interface LiveCostView {
  perMinute: string;
  now: string;
  steps: string;
}

/** The cost steps as the page's script reads them; every amount already in the one money format. */
export function liveCostView(live: LiveCost, elapsedS: number, currency: string): LiveCostView {
  const current = live.steps.filter((s) => s.fromS <= elapsedS).at(-1) ?? live.steps[0];
  return {
    perMinute: formatRate(live.perMinuteMicros, currency),
    now: formatMoney(current?.costMicros ?? 0, currency),
    steps: live.steps.map((s) => `${s.fromS}=${formatMoney(s.costMicros, currency)}`).join('|'),
  };
}

/** "01:05", "1:02:03": the connected clock (the same format call-clock.js ticks in). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The state a fragment shows: its status, and whether the user already asked to hang up. */
export function seenKey(call: Pick<CallRecord, 'status' | 'hangupRequestedAt'>): string {
  return call.hangupRequestedAt && isLive(call.status) ? `${call.status}-hanging-up` : call.status;
}

export function callStatusView(call: CallRecord, options: { now: Date; currency: string; csrfToken: string; liveCost?: LiveCost | undefined }): CallStatusView {
  const to = formatInternational(call.toE164);
  const base = { id: call.id, status: call.status, seen: seenKey(call), to, csrfToken: options.csrfToken, connected: null, result: null, link: null, canHangUp: isLive(call.status) };
  // Twilio reports the end a moment after our hangup: until then the call must not look as if it still talked.
  if (isLive(call.status) && call.hangupRequestedAt) {
    return { ...base, canHangUp: false, headline: 'Hanging up', detail: 'Ending the call…', pollS: POLL_SETUP_S };
  }
  switch (call.status) {
    case 'starting':
    case 'calling':
      return { ...base, headline: 'Calling your phone', detail: call.confirmAnswer ? `Answer it, then press 1 to call ${to}.` : `Answer it and we connect you to ${to}.`, pollS: POLL_SETUP_S };
    case 'unconfirmed':
      return { ...base, headline: 'Waiting for our phone provider', detail: 'We could not confirm the call with our phone provider. If your phone rings, answer it; if it does not, nothing is charged.', pollS: POLL_SETUP_S };
    case 'confirming':
      return { ...base, headline: 'Press 1 on your phone', detail: `Press 1 to connect to ${to}. If nobody presses 1 (a voicemail), we hang up.`, pollS: POLL_SETUP_S };
    case 'connecting':
      return { ...base, headline: 'Connecting', detail: `Ringing ${to}…`, pollS: POLL_SETUP_S };
    case 'connected': {
      const elapsedS = call.bridgedAt ? Math.max(0, Math.floor((options.now.getTime() - Date.parse(call.bridgedAt)) / 1000)) : 0;
      const leftS = Math.max(0, call.talkLimitS - elapsedS);
      return {
        ...base,
        headline: 'Connected',
        detail: null,
        pollS: POLL_CONNECTED_S,
        connected: { elapsedS, elapsed: clock(elapsedS), leftS, left: clock(leftS), lastMinute: leftS <= 60, cost: options.liveCost ? liveCostView(options.liveCost, elapsedS, options.currency) : null },
      };
    }
    case 'ending':
      return { ...base, headline: 'Call ended', detail: 'Working out the cost…', pollS: POLL_SETUP_S };
    default:
      // The final state can be written a moment before the charge is: keep asking until the cost is known.
      return { ...base, ...finalView(call, options.currency), pollS: call.settledAt ? null : POLL_SETUP_S };
  }
}

const FINAL_HEADLINES: Record<string, string> = {
  completed: 'Call ended',
  'not-answered': 'Your phone did not answer',
  voicemail: 'Your voicemail answered',
  // Busy, no answer or unreachable: the detail line says which.
  'destination-unanswered': 'Not connected',
  cancelled: 'Call cancelled',
  failed: 'Call failed',
};

function finalView(call: CallRecord, currency: string): Pick<CallStatusView, 'headline' | 'detail' | 'result' | 'link'> {
  const cost = call.costMicros ?? 0;
  const settled = call.settledAt !== null;
  const outcome = callOutcome(call);
  return {
    headline: outcome?.label ?? FINAL_HEADLINES[call.status] ?? 'Call ended',
    detail: outcome?.sentence ?? call.failureReason,
    link: outcome?.link ?? null,
    result: {
      cost: settled ? formatMoney(cost, currency) : 'being worked out',
      talk: (call.bridgedSeconds ?? 0) > 0 ? formatDuration(call.bridgedSeconds!) : null,
      nothingCharged: settled && cost === 0,
    },
  };
}

export interface TimelineEntry {
  at: string;
  what: string;
}

/** One line of the call page's timeline: the moment (ISO, and as UTC text until the page's script shows it locally). */
export interface HumanTimelineEntry {
  iso: string;
  time: string;
  what: string;
}

/**
 * The call's story for its owner, from the facts its webhooks left (never the raw events, which repeat and name
 * Twilio): one line per step that happened, in order, none for a leg that was never dialled.
 */
export function humanTimeline(call: CallRecord): HumanTimelineEntry[] {
  const to = formatInternational(call.toE164);
  const outcome = callOutcome(call);
  const steps: Array<[string | null, string]> = [
    [call.createdAt, 'You placed the call'],
    [call.ringingAt, 'Ringing your phone'],
    [call.answeredAt, 'You answered'],
    [call.confirmDigits === '1' ? call.confirmedAt : null, 'You pressed 1'],
    [call.dialStartedAt, `Dialling ${to}`],
    [call.bridgedAt, `${to} answered: connected`],
  ];
  const end = call.endedAt ?? call.parentEndedAt;
  if (end && isFinal(call.status)) {
    const talked = (call.bridgedSeconds ?? 0) > 0 ? ` after ${formatDuration(call.bridgedSeconds!)} of talk` : '';
    steps.push([end, `Ended: ${(outcome?.label ?? 'call ended').replace(/^./, (c) => c.toLowerCase())}${talked}`]);
  }
  const entries = steps.filter((step): step is [string, string] => step[0] !== null).map(([iso, what]) => ({ iso, time: `${iso.slice(11, 19)} UTC`, what }));
  // Stable by time: facts recorded out of order (a late webhook) still read in the order they happened.
  return entries.sort((a, b) => Date.parse(a.iso) - Date.parse(b.iso));
}

const SOURCE_LABELS: Record<CallEvent['source'], string> = {
  us: 'callbridge',
  parent: 'Your phone',
  child: 'Destination',
  twiml: 'Your phone',
  gather: 'Your phone',
  'dial-action': 'Destination',
  reconcile: 'Check with Twilio',
};

/** Twilio's CallStatus values and our own states, in words a caller reads. */
const EVENT_WORDS: Record<string, string> = {
  initiated: 'call placed',
  ringing: 'ringing',
  'in-progress': 'answered',
  completed: 'call ended',
  busy: 'busy',
  'no-answer': 'no answer',
  failed: 'could not be reached',
  canceled: 'cancelled',
  'twiml:answered': 'greeting played',
  'us:status unconfirmed': 'waiting for our phone provider to confirm the call',
  'us:status calling': 'now calling your phone',
  'us:status confirming': 'now waiting for you to press 1',
  'us:status connecting': 'now ringing the number',
  'us:status connected': 'now connected',
  'us:status ending': 'now working out the cost',
};

export function timelineView(events: CallEvent[]): TimelineEntry[] {
  return events.map((e) => {
    const leg = e.source === 'parent' || e.source === 'child' ? EVENT_WORDS[e.event] : undefined;
    const final = e.source === 'us' && e.event.startsWith('status ') ? FINAL_HEADLINES[e.event.slice(7)]?.toLowerCase() : undefined;
    const what = EVENT_WORDS[`${e.source}:${e.event}`] ?? leg ?? (final ? `result: ${final}` : e.event);
    return { at: e.receivedAt.slice(11, 19), what: `${SOURCE_LABELS[e.source]}: ${what}${e.params?.CallDuration ? ` (${e.params.CallDuration} s)` : ''}` };
  });
}

export interface CostLine {
  label: string;
  detail: string;
  amount: string;
}

/** Why a call cost nothing, when it did; free minutes explain themselves on their own line. */
function chargedDetail(call: CallRecord): string {
  if (call.costBreakdown!.chargedMicros > 0 || (call.bridgedSeconds ?? 0) > 0) return '';
  return call.bridgedAt ? 'Nothing is charged for a call connected less than a second.' : 'Nothing is charged: the call was never connected.';
}

export function breakdownView(call: CallRecord, currency: string): CostLine[] | null {
  const b = call.costBreakdown;
  if (!b || !isFinal(call.status)) return null;
  const perMin = (micros: number) => formatRate(micros, currency);
  const money = (micros: number) => formatMoney(micros, currency);
  // "Talked" would be wrong for the first leg: it also counts the ringing of the number you called.
  const line = (label: string, leg: typeof b.firstLeg): CostLine => ({
    label,
    detail: `${formatDuration(leg.seconds)} on the line, billed as ${formatDuration(leg.billedSeconds)} at ${perMin(leg.ratePerMinMicros)}${leg.connectionFeeMicros ? ` + ${money(leg.connectionFeeMicros)} connection` : ''}`,
    amount: money(leg.costMicros),
  });
  const lines = [line('Leg to your phone', b.firstLeg), line(`Leg to ${formatInternational(call.toE164)}`, b.bridgedLeg)];
  if (b.freeSecondsUsed > 0) lines.push({ label: 'Free minutes used', detail: formatDuration(b.freeSecondsUsed), amount: money(0) });
  lines.push({ label: 'Charged', detail: chargedDetail(call), amount: money(b.chargedMicros) });
  return lines;
}
