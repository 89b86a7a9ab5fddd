import { formatDuration } from '../money/currency.js';
import { OVERRUN_S } from './call-limits.js';
import { BRIEFLY_CONNECTED, isFinal } from './call-state.js';
import type { CallRecord } from './calls-repository.js';

/** Every way a call ends, each with one sentence that is true of it. */
export type OutcomeKind =
  | 'your-phone-not-answered'
  | 'your-phone-declined'
  | 'your-voicemail'
  | 'your-phone-busy'
  | 'your-phone-failed'
  | 'destination-busy'
  | 'destination-not-answered'
  | 'destination-failed'
  | 'you-hung-up'
  | 'they-hung-up'
  | 'credit-ran-out'
  | 'ended-by-admin'
  | 'twilio-unreachable'
  | 'not-connected';

export interface CallOutcome {
  kind: OutcomeKind;
  /** A short label (history's status column, the page's headline). */
  label: string;
  /** The one sentence that says what happened and what it cost. */
  sentence: string;
  /** Where to go next, when there is somewhere useful (more credit). */
  link?: { href: string; text: string };
}

type Facts = Pick<
  CallRecord,
  'status' | 'parentFinalStatus' | 'answeredAt' | 'bridgedAt' | 'bridgedSeconds' | 'dialStatus' | 'dialStartedAt' | 'endedBy' | 'hangupRequestedAt' | 'talkLimitS' | 'confirmAnswer' | 'confirmDigits' | 'failureReason'
>;

const NOTHING = 'Nothing is charged.';

/** The outcome of a finished call, from its facts alone (pure); undefined while it is not over. */
export function callOutcome(call: Facts): CallOutcome | undefined {
  if (!isFinal(call.status)) return undefined;
  const talk = call.bridgedSeconds ?? 0;
  const talked = talk > 0 ? ` after ${formatDuration(talk)}` : '';
  switch (call.status) {
    case 'failed':
      return { kind: 'twilio-unreachable', label: 'Not placed', sentence: call.failureReason ?? `We could not reach our phone provider, so the call was not placed. ${NOTHING}` };
    case 'voicemail':
      return { kind: 'your-voicemail', label: 'Your voicemail answered', sentence: `Your voicemail answered, so we did not connect the call. ${NOTHING}` };
    case 'not-answered':
      return yourPhoneOutcome(call.parentFinalStatus);
    case 'destination-unanswered':
      return destinationOutcome(call.dialStatus);
    default:
      break;
  }
  if (call.status === 'completed' && call.bridgedAt) {
    // Talked up to the limit settled at the answer (Twilio's durations can be a second short of it): the credit ran out.
    if (call.endedBy === 'credit' || (talk > 0 && talk + OVERRUN_S >= call.talkLimitS)) {
      return { kind: 'credit-ran-out', label: 'Credit ran out', sentence: `Your credit ran out${talked}, so we ended the call.`, link: { href: '/wallet', text: 'Add credit' } };
    }
    if (call.endedBy === 'admin') return { kind: 'ended-by-admin', label: 'Ended by an administrator', sentence: `An administrator ended the call${talked}.` };
    if (call.endedBy === 'destination') return { kind: 'they-hung-up', label: 'They hung up', sentence: `The person you called hung up${talked}.` };
    if (talk === 0) return { kind: 'you-hung-up', label: 'Connected briefly', sentence: BRIEFLY_CONNECTED };
    return { kind: 'you-hung-up', label: 'You hung up', sentence: `You hung up${talked}.` };
  }
  if (call.endedBy === 'admin') return { kind: 'ended-by-admin', label: 'Ended by an administrator', sentence: `An administrator ended the call before it was connected. ${NOTHING}` };
  if (call.dialStartedAt && call.hangupRequestedAt) return { kind: 'you-hung-up', label: 'You hung up', sentence: `You hung up before the number you called answered. ${NOTHING}` };
  if (call.dialStatus === 'canceled') return { kind: 'you-hung-up', label: 'You hung up', sentence: `You hung up before the number you called answered. ${NOTHING}` };
  if (!call.answeredAt && call.hangupRequestedAt) return { kind: 'you-hung-up', label: 'You hung up', sentence: `You hung up before your phone answered. ${NOTHING}` };
  if (call.confirmAnswer && call.confirmDigits) return { kind: 'not-connected', label: 'Not connected', sentence: `You pressed ${call.confirmDigits}, not 1, so we did not connect the call. ${NOTHING}` };
  if (call.hangupRequestedAt) return { kind: 'you-hung-up', label: 'You hung up', sentence: `You hung up before the call was connected. ${NOTHING}` };
  return { kind: 'you-hung-up', label: 'You hung up', sentence: `Your phone hung up before the call was connected. ${NOTHING}` };
}

function yourPhoneOutcome(parentStatus: string | null): CallOutcome {
  switch (parentStatus) {
    case 'busy':
      return { kind: 'your-phone-busy', label: 'Your phone was busy', sentence: `Your phone was busy, so we could not connect the call. ${NOTHING}` };
    case 'declined':
      return { kind: 'your-phone-declined', label: 'You declined', sentence: `You declined the call on your phone. ${NOTHING}` };
    case 'failed':
      return { kind: 'your-phone-failed', label: 'Your phone unreachable', sentence: `We could not reach your phone. ${NOTHING}` };
    default:
      return { kind: 'your-phone-not-answered', label: 'Your phone did not answer', sentence: `Your phone was not answered, so we did not ring the number you called. ${NOTHING}` };
  }
}

function destinationOutcome(dialStatus: string | null): CallOutcome {
  switch (dialStatus) {
    case 'busy':
      return { kind: 'destination-busy', label: 'Number busy', sentence: `The number you called was busy. ${NOTHING}` };
    case 'failed':
      return { kind: 'destination-failed', label: 'Number unreachable', sentence: `The number you called could not be reached. ${NOTHING}` };
    default:
      return { kind: 'destination-not-answered', label: 'No answer', sentence: `The number you called did not answer. ${NOTHING}` };
  }
}
