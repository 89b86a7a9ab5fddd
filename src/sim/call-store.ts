import type { Keypad } from './gather.js';
import type { Timeline } from './timeline.js';
import { formatForDisplay, rfc2822 } from './formats.js';
import { stableSid } from './ids.js';

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';
export type StatusEvent = 'initiated' | 'ringing' | 'answered' | 'completed';
export type HangupReason = 'far-end' | 'api-completed' | 'api-canceled' | 'time-limit' | 'parent' | 'twiml';

/** The events a status callback can subscribe to. */
export function isStatusEvent(value: string): value is StatusEvent {
  return value === 'initiated' || value === 'ringing' || value === 'answered' || value === 'completed';
}

export const TERMINAL: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export interface Webhook {
  url: string;
  method: 'GET' | 'POST';
}

/** One leg: the Call resource plus what the engine needs to drive it. */
export interface CallLeg {
  sid: string;
  accountSid: string;
  parentCallSid: string | null;
  direction: 'outbound-api' | 'outbound-dial';
  to: string;
  from: string;
  status: CallStatus;
  dateCreated: number;
  dateUpdated: number;
  startTime: number | null;
  answeredAt: number | null;
  endTime: number | null;
  durationS: number | null;
  price: string | null;
  sipResponseCode: number | null;
  statusCallback: Webhook | null;
  statusEvents: Set<StatusEvent>;
  sequenceNumber: number;
  /** The TwiML document URL (REST Url); also the base for relative URLs inside the TwiML it returns. */
  twiml: Webhook | null;
  inlineTwiml: string | null;
  fallback: Webhook | null;
  timeoutS: number;
  timeLimitS: number;
  timeline: Timeline;
  /** Aborted with a HangupReason when someone ends the leg (far end, REST, time limit, parent). */
  hangup: AbortController;
  /** Aborted when a REST update redirects the live call to new TwiML (pendingRedirect); renewed once taken. */
  redirect: AbortController;
  pendingRedirect: { webhook: Webhook } | { twiml: string } | null;
  /** Re-armed whenever the REST TimeLimit changes mid-call. */
  timeLimitChanged: () => void;
  /** The keys of the <Gather> listening on this leg right now; keys pressed at any other time are lost. */
  keypad: Keypad | null;
}

export function isTerminal(leg: CallLeg): boolean {
  return TERMINAL.has(leg.status);
}

/** The 2010-04-01 Call resource JSON: every scalar a string or null, dates in RFC 2822. */
export function callJson(leg: CallLeg) {
  const base = `/2010-04-01/Accounts/${leg.accountSid}/Calls/${leg.sid}`;
  const date = (ms: number | null) => (ms === null ? null : rfc2822(new Date(ms)));
  const subresources = ['notifications', 'recordings', 'payments', 'events', 'siprec', 'streams', 'transcriptions',
    'user_defined_message_subscriptions', 'user_defined_messages'] as const;
  const pascal = (name: string) => name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return {
    account_sid: leg.accountSid,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: date(leg.dateCreated),
    date_updated: date(leg.dateUpdated),
    direction: leg.direction,
    duration: leg.durationS === null ? null : String(leg.durationS),
    // The spec says end_time is empty when the call did not complete successfully.
    end_time: leg.status === 'completed' ? date(leg.endTime) : null,
    forwarded_from: null,
    from: leg.from,
    from_formatted: formatForDisplay(leg.from),
    group_sid: null,
    parent_call_sid: leg.parentCallSid,
    phone_number_sid: leg.direction === 'outbound-api' ? stableSid('PN', leg.from) : null,
    price: leg.price,
    price_unit: 'USD',
    queue_time: '0',
    sid: leg.sid,
    start_time: date(leg.startTime),
    status: leg.status,
    subresource_uris: Object.fromEntries(subresources.map((name) => [name, `${base}/${pascal(name)}.json`])),
    to: leg.to,
    to_formatted: formatForDisplay(leg.to),
    trunk_sid: null,
    uri: `${base}.json`,
  };
}

/** All legs of one simulator, in creation order. */
export class CallStore {
  private readonly legs = new Map<string, CallLeg>();
  add(leg: CallLeg): void {
    this.legs.set(leg.sid, leg);
  }
  delete(sid: string): void {
    this.legs.delete(sid);
  }
  get(sid: string): CallLeg | undefined {
    return this.legs.get(sid);
  }
  all(): CallLeg[] {
    return [...this.legs.values()];
  }
  active(): CallLeg[] {
    return this.all().filter((leg) => !isTerminal(leg));
  }
}
