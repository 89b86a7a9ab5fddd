import { callOutcome, type OutcomeKind } from '../../calls/call-outcome.js';
import { isFinal, type CallStatus } from '../../calls/call-state.js';
import type { LedgerKind } from '../../ledger/wallet-rows.js';

/** How a live call's stage reads to an admin (the user's phone is the first leg, the number called the second). */
const LIVE_WORDS: Record<string, string> = {
  starting: 'Being placed',
  unconfirmed: 'Being placed (waiting for our phone provider)',
  calling: "Ringing the user's phone",
  confirming: 'User answered, asked to press 1',
  connecting: 'Dialling the number',
  connected: 'Connected',
  ending: 'Hanging up',
};

/** Each way a call ends, said of the user (the user's own pages say "you"). */
const OUTCOME_WORDS: Record<OutcomeKind, string> = {
  'your-phone-not-answered': "User's phone did not answer",
  'your-phone-declined': 'User declined the call',
  'your-voicemail': "User's voicemail answered",
  'your-phone-busy': "User's phone was busy",
  'your-phone-failed': "User's phone unreachable",
  'destination-busy': 'Number called was busy',
  'destination-not-answered': 'Number called did not answer',
  'destination-failed': 'Number called unreachable',
  'you-hung-up': 'User hung up',
  'they-hung-up': 'Number called hung up',
  'credit-ran-out': 'Credit ran out',
  'ended-by-admin': 'Ended by an administrator',
  'twilio-unreachable': 'Not placed: Twilio unreachable',
  'not-connected': 'Not connected',
};

/** What a status filter value means, in the admin call list's filter. */
export const STATUS_FILTER_WORDS: Record<string, string> = {
  live: 'In progress',
  ending: 'Hanging up',
  completed: 'Completed (connected)',
  'not-answered': "User's phone did not answer",
  voicemail: "User's voicemail answered",
  'destination-unanswered': 'Number called did not answer',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

type StatusFacts = Parameters<typeof callOutcome>[0];

/** A call's status in words for admin pages: the live stage, or how it ended. */
export function adminCallStatus(call: StatusFacts): string {
  if (!isFinal(call.status as CallStatus)) return LIVE_WORDS[call.status] ?? 'In progress';
  const outcome = callOutcome(call);
  return outcome ? OUTCOME_WORDS[outcome.kind] : (STATUS_FILTER_WORDS[call.status] ?? 'Ended');
}

/** Ledger kinds as admins read them. */
export const LEDGER_KIND_WORDS: Record<LedgerKind, string> = {
  grant: 'Credit granted',
  voucher: 'Voucher redeemed',
  purchase: 'Card top-up',
  call_charge: 'Call charge',
  refund: 'Refund',
  adjustment: 'Adjustment by an admin',
  free_minutes: 'Free minutes',
  recording_charge: 'Call recording charge',
};

