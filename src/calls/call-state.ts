/**
 * A call's state, derived from the facts its webhooks established. Facts only ever get added (a timestamp set
 * once, a duration recorded once), so whatever order Twilio's callbacks arrive in, the same facts give the
 * same state, and a late or duplicated event can never move a call backwards.
 */

/**
 * `unconfirmed`: our REST create got no answer (connection reset, timeout), so Twilio may or may not have placed the
 * call. It stays live, holding its credit, until a callback carrying our call id names it or reconciliation ends it.
 */
export const LIVE_STATUSES = ['starting', 'unconfirmed', 'calling', 'confirming', 'connecting', 'connected'] as const;
export const FINAL_STATUSES = ['completed', 'not-answered', 'voicemail', 'destination-unanswered', 'cancelled', 'failed'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
/** `ending`: the user's leg is over, the bridged leg's duration is not known yet (settlement waits for it). */
export type CallStatus = LiveStatus | 'ending' | FinalStatus;

const RANK: Record<CallStatus, number> = {
  starting: 0, unconfirmed: 0, calling: 1, confirming: 2, connecting: 3, connected: 4, ending: 5,
  completed: 6, 'not-answered': 6, voicemail: 6, 'destination-unanswered': 6, cancelled: 6, failed: 6,
};

export function isFinal(status: CallStatus): status is FinalStatus {
  return RANK[status] === 6;
}

export function isLive(status: CallStatus): status is LiveStatus {
  return RANK[status] < 5;
}

/** Everything we know about a call, as recorded from Twilio's webhooks and our own actions. */
export interface CallFacts {
  status: CallStatus;
  confirmAnswer: boolean;
  parentSid: string | null;
  childSid: string | null;
  ringingAt: string | null;
  answeredAt: string | null;
  confirmedAt: string | null;
  confirmDigits: string | null;
  dialStartedAt: string | null;
  bridgedAt: string | null;
  parentEndedAt: string | null;
  /** The parent's final CallStatus (completed, busy, no-answer, failed, canceled). */
  parentFinalStatus: string | null;
  firstLegSeconds: number | null;
  bridgedSeconds: number | null;
  /** The dialled leg's final status, from the Dial action or the child's final callback. */
  dialStatus: string | null;
  hangupRequestedAt: string | null;
  /** Who or what ended the call once it was up; the first report wins (our own hangups are recorded before Twilio's). */
  endedBy: EndedBy | null;
  failureReason: string | null;
}

/**
 * `you`: the Hang up button; `admin`: an administrator; `credit`: the hangup job at the credit's cut; `your-phone`:
 * the user's handset hung up; `destination`: the number called hung up.
 */
export type EndedBy = 'you' | 'admin' | 'credit' | 'your-phone' | 'destination';

export type FactsUpdate = Partial<Omit<CallFacts, 'status' | 'confirmAnswer'>>;

/** Adds facts without ever replacing a known one: the first report of a fact wins, repeats change nothing. */
export function mergeFacts(facts: CallFacts, update: FactsUpdate): CallFacts {
  const merged = { ...facts } as Record<string, unknown>;
  for (const [key, value] of Object.entries(update)) {
    if (value === null || value === undefined) continue;
    if (merged[key] === null || merged[key] === undefined) merged[key] = value;
  }
  return merged as unknown as CallFacts;
}

/** The state these facts put the call in; never earlier than where it already is. */
export function deriveStatus(facts: CallFacts): { status: CallStatus; failureReason: string | null } {
  const next = statusFromFacts(facts);
  if (RANK[next.status] < RANK[facts.status] || (isFinal(facts.status) && facts.status !== next.status)) {
    return { status: facts.status, failureReason: facts.failureReason };
  }
  return next;
}

/** True once the call can be charged: the user's leg is over and the bridged leg's duration is known. */
export function readyToSettle(facts: CallFacts): boolean {
  if (!facts.parentEndedAt) return false;
  return bridgedKnown(facts);
}

function bridgedKnown(facts: CallFacts): boolean {
  // A user's leg that ended unanswered (busy, no-answer, canceled, failed) never ran our <Dial>.
  if (facts.parentFinalStatus && facts.parentFinalStatus !== 'completed') return true;
  // Never dialled: nothing was bridged. Dialled: wait for the Dial action or the child's final callback.
  const dialled = facts.dialStartedAt || facts.childSid || facts.bridgedAt;
  return !dialled || facts.bridgedSeconds !== null || (facts.dialStatus !== null && facts.dialStatus !== 'completed');
}

function statusFromFacts(f: CallFacts): { status: CallStatus; failureReason: string | null } {
  const keep = f.failureReason;
  if (f.status === 'failed') return { status: 'failed', failureReason: keep };
  if (f.parentEndedAt) {
    if (!bridgedKnown(f)) return { status: 'ending', failureReason: keep };
    return finalOutcome(f);
  }
  // The Dial is over (its action or the child's final callback came): our TwiML hangs the user's leg up next.
  if (f.dialStatus && f.bridgedSeconds !== null) return { status: 'ending', failureReason: keep };
  if (f.bridgedAt) return { status: 'connected', failureReason: keep };
  if (f.dialStartedAt) return { status: 'connecting', failureReason: keep };
  if (f.answeredAt) return { status: f.confirmAnswer ? 'confirming' : 'connecting', failureReason: keep };
  if (f.parentSid || f.ringingAt) return { status: 'calling', failureReason: keep };
  return { status: f.status, failureReason: keep };
}

const USER_LEG_REASONS: Record<string, string> = {
  busy: 'Your phone was busy.',
  'no-answer': 'Your phone was not answered.',
  failed: 'Your phone could not be reached.',
  canceled: 'The call was cancelled before your phone answered.',
};

const DESTINATION_REASONS: Record<string, string> = {
  busy: 'The number you called was busy.',
  'no-answer': 'The number you called did not answer.',
  failed: 'The number you called could not be reached.',
  canceled: 'You hung up before the number you called answered.',
};

export const BRIEFLY_CONNECTED = 'You were connected for less than a second, so nothing was charged.';

function finalOutcome(f: CallFacts): { status: FinalStatus; failureReason: string | null } {
  if ((f.bridgedSeconds ?? 0) > 0) return { status: 'completed', failureReason: null };
  if (!f.answeredAt && f.parentFinalStatus !== 'completed') {
    if (f.hangupRequestedAt) return { status: 'cancelled', failureReason: 'You hung up before your phone answered.' };
    return { status: 'not-answered', failureReason: USER_LEG_REASONS[f.parentFinalStatus ?? ''] ?? 'Your phone was not answered.' };
  }
  if (f.dialStartedAt) {
    // Answered, then hung up within the second: Twilio reports 0 s. It did answer; there is just nothing to bill.
    if (f.bridgedAt && f.dialStatus === 'completed') return { status: 'completed', failureReason: BRIEFLY_CONNECTED };
    if (f.dialStatus === 'canceled' || f.hangupRequestedAt) return { status: 'cancelled', failureReason: DESTINATION_REASONS.canceled! };
    return { status: 'destination-unanswered', failureReason: DESTINATION_REASONS[f.dialStatus ?? ''] ?? 'The number you called did not answer.' };
  }
  if (f.confirmAnswer && f.confirmDigits === '') return { status: 'voicemail', failureReason: 'Your voicemail answered, so we did not connect the call.' };
  if (f.confirmAnswer && f.confirmDigits) return { status: 'cancelled', failureReason: `You pressed ${f.confirmDigits}, not 1, so we did not connect the call.` };
  if (f.hangupRequestedAt) return { status: 'cancelled', failureReason: 'You hung up before the call was connected.' };
  return { status: 'cancelled', failureReason: 'Your phone hung up before the call was connected.' };
}
