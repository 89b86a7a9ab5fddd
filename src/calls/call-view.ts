import { formatDuration, formatMoney } from '../money/currency.js';
import { isFinal, isLive } from './call-state.js';
import type { CallEvent, CallRecord } from './calls-repository.js';

/** How often the status fragment asks again: often while the call is being set up, rarely once it talks. */
export const POLL_SETUP_S = 2;
export const POLL_CONNECTED_S = 20;

export interface CallStatusView {
  id: string;
  status: CallRecord['status'];
  to: string;
  headline: string;
  detail: string | null;
  /** Seconds until the next poll; null at a final state (no trigger, polling stops). */
  pollS: number | null;
  connected: { elapsedS: number; elapsed: string; leftS: number; left: string; lastMinute: boolean } | null;
  result: { cost: string; talk: string | null; nothingCharged: boolean } | null;
  canHangUp: boolean;
  csrfToken: string;
}

/** "01:05", "1:02:03": the connected clock (the same format call-clock.js ticks in). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function callStatusView(call: CallRecord, options: { now: Date; currency: string; csrfToken: string }): CallStatusView {
  const base = { id: call.id, status: call.status, to: call.toE164, csrfToken: options.csrfToken, connected: null, result: null, canHangUp: isLive(call.status) };
  switch (call.status) {
    case 'starting':
    case 'calling':
      return { ...base, headline: 'Calling your phone', detail: call.confirmAnswer ? `Answer it, then press 1 to call ${call.toE164}.` : `Answer it and we connect you to ${call.toE164}.`, pollS: POLL_SETUP_S };
    case 'confirming':
      return { ...base, headline: 'Press 1 on your phone', detail: `Press 1 to connect to ${call.toE164}. If nobody presses 1 (a voicemail), we hang up.`, pollS: POLL_SETUP_S };
    case 'connecting':
      return { ...base, headline: 'Connecting', detail: `Ringing ${call.toE164}…`, pollS: POLL_SETUP_S };
    case 'connected': {
      const elapsedS = call.bridgedAt ? Math.max(0, Math.floor((options.now.getTime() - Date.parse(call.bridgedAt)) / 1000)) : 0;
      const leftS = Math.max(0, call.talkLimitS - elapsedS);
      return {
        ...base,
        headline: 'Connected',
        detail: null,
        pollS: POLL_CONNECTED_S,
        connected: { elapsedS, elapsed: clock(elapsedS), leftS, left: clock(leftS), lastMinute: leftS <= 60 },
      };
    }
    case 'ending':
      return { ...base, headline: 'Call ended', detail: 'Working out the cost…', pollS: POLL_SETUP_S };
    default:
      return { ...base, ...finalView(call, options.currency), pollS: null };
  }
}

const FINAL_HEADLINES: Record<string, string> = {
  completed: 'Call ended',
  'not-answered': 'Your phone did not answer',
  voicemail: 'Your voicemail answered',
  'destination-unanswered': 'No answer',
  cancelled: 'Call cancelled',
  failed: 'Call failed',
};

function finalView(call: CallRecord, currency: string): Pick<CallStatusView, 'headline' | 'detail' | 'result'> {
  const cost = call.costMicros ?? 0;
  const settled = call.settledAt !== null;
  return {
    headline: FINAL_HEADLINES[call.status] ?? 'Call ended',
    detail: call.status === 'completed' ? null : call.failureReason,
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

const SOURCE_LABELS: Record<CallEvent['source'], string> = {
  us: 'callbridge',
  parent: 'Your phone',
  child: 'Destination',
  twiml: 'Your phone',
  gather: 'Your phone',
  'dial-action': 'Destination',
  reconcile: 'Check with Twilio',
};

export function timelineView(events: CallEvent[]): TimelineEntry[] {
  return events.map((e) => ({ at: e.receivedAt.slice(11, 19), what: `${SOURCE_LABELS[e.source]}: ${e.event}${e.params?.CallDuration ? ` (${e.params.CallDuration} s)` : ''}` }));
}

export interface CostLine {
  label: string;
  detail: string;
  amount: string;
}

export function breakdownView(call: CallRecord, currency: string): CostLine[] | null {
  const b = call.costBreakdown;
  if (!b || !isFinal(call.status)) return null;
  const perMin = (micros: number) => `${formatMoney(micros, currency, { decimals: 4 })}/min`;
  const line = (label: string, leg: typeof b.firstLeg): CostLine => ({
    label,
    detail: `${formatDuration(leg.seconds)} talked, ${formatDuration(leg.billedSeconds)} billed at ${perMin(leg.ratePerMinMicros)}${leg.connectionFeeMicros ? ` + ${formatMoney(leg.connectionFeeMicros, currency)} connection` : ''}`,
    amount: formatMoney(leg.costMicros, currency),
  });
  const lines = [line('Leg to your phone', b.firstLeg), line(`Leg to ${call.toE164}`, b.bridgedLeg)];
  if (b.freeSecondsUsed > 0) lines.push({ label: 'Free minutes used', detail: formatDuration(b.freeSecondsUsed), amount: formatMoney(0, currency) });
  lines.push({ label: 'Charged', detail: b.chargedMicros === 0 ? 'Nothing is charged when the number you call does not answer.' : '', amount: formatMoney(b.chargedMicros, currency) });
  return lines;
}
