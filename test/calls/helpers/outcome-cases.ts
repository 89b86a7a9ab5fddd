import type { OutcomeKind } from '../../../src/calls/call-outcome.js';

export const T0 = Date.parse('2026-11-22T10:00:00.000Z');
export const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const answered = { parentSid: 'CA' + 'a'.repeat(32), ringingAt: at(1), answeredAt: at(3) };
const dialled = { ...answered, confirmedAt: at(6), confirmDigits: '1', dialStartedAt: at(6), childSid: 'CA' + 'b'.repeat(32) };
const bridged = (talk: number, extra: object = {}) => ({
  ...dialled, bridgedAt: at(9), dialStatus: 'completed', bridgedSeconds: talk, parentEndedAt: at(9 + talk), parentFinalStatus: 'completed', firstLegSeconds: talk + 6, ...extra,
});

/** Every way a call ends (shared by the view-model tests and the rendered-page tests): the facts its webhooks leave, the outcome, and the sentence the user reads. */
export const outcomeCases: Array<{ name: string; facts: object; kind: OutcomeKind; label: string; sentence: string }> = [
  { name: 'your phone not answered', facts: { parentSid: answered.parentSid, ringingAt: at(1), parentEndedAt: at(35), parentFinalStatus: 'no-answer', firstLegSeconds: 0 }, kind: 'your-phone-not-answered', label: 'Your phone did not answer', sentence: 'Your phone was not answered, so we did not ring the number you called. Nothing is charged.' },
  { name: 'you declined', facts: { parentSid: answered.parentSid, ringingAt: at(1), parentEndedAt: at(4), parentFinalStatus: 'declined', firstLegSeconds: 0 }, kind: 'your-phone-declined', label: 'You declined', sentence: 'You declined the call on your phone. Nothing is charged.' },
  { name: 'your voicemail', facts: { ...answered, confirmDigits: '', parentEndedAt: at(12), parentFinalStatus: 'completed', firstLegSeconds: 9 }, kind: 'your-voicemail', label: 'Your voicemail answered', sentence: 'Your voicemail answered, so we did not connect the call. Nothing is charged.' },
  { name: 'your phone busy', facts: { parentSid: answered.parentSid, parentEndedAt: at(1), parentFinalStatus: 'busy', firstLegSeconds: 0 }, kind: 'your-phone-busy', label: 'Your phone was busy', sentence: 'Your phone was busy, so we could not connect the call. Nothing is charged.' },
  { name: 'your phone failed', facts: { parentSid: answered.parentSid, parentEndedAt: at(1), parentFinalStatus: 'failed', firstLegSeconds: 0 }, kind: 'your-phone-failed', label: 'Your phone unreachable', sentence: 'We could not reach your phone. Nothing is charged.' },
  { name: 'the destination busy', facts: { ...dialled, dialStatus: 'busy', bridgedSeconds: 0, parentEndedAt: at(8), parentFinalStatus: 'completed', firstLegSeconds: 5 }, kind: 'destination-busy', label: 'Number busy', sentence: 'The number you called was busy. Nothing is charged.' },
  { name: 'the destination not answered', facts: { ...dialled, dialStatus: 'no-answer', bridgedSeconds: 0, parentEndedAt: at(42), parentFinalStatus: 'completed', firstLegSeconds: 39 }, kind: 'destination-not-answered', label: 'No answer', sentence: 'The number you called did not answer. Nothing is charged.' },
  { name: 'the destination failed', facts: { ...dialled, dialStatus: 'failed', bridgedSeconds: 0, parentEndedAt: at(8), parentFinalStatus: 'completed', firstLegSeconds: 5 }, kind: 'destination-failed', label: 'Number unreachable', sentence: 'The number you called could not be reached. Nothing is charged.' },
  { name: 'you hung up', facts: bridged(75, { endedBy: 'you', hangupRequestedAt: at(84) }), kind: 'you-hung-up', label: 'You hung up', sentence: 'You hung up after 1 min 15 s.' },
  { name: 'your phone hung up', facts: bridged(75, { endedBy: 'your-phone' }), kind: 'you-hung-up', label: 'You hung up', sentence: 'You hung up after 1 min 15 s.' },
  { name: 'they hung up', facts: bridged(75, { endedBy: 'destination' }), kind: 'they-hung-up', label: 'They hung up', sentence: 'The person you called hung up after 1 min 15 s.' },
  { name: 'the credit ran out', facts: bridged(111, { endedBy: 'credit', hangupRequestedAt: at(120), talkLimitS: 111 }), kind: 'credit-ran-out', label: 'Credit ran out', sentence: 'Your credit ran out after 1 min 51 s, so we ended the call.' },
  { name: "Twilio's own limit cut it", facts: bridged(110, { endedBy: 'destination', talkLimitS: 111 }), kind: 'credit-ran-out', label: 'Credit ran out', sentence: 'Your credit ran out after 1 min 50 s, so we ended the call.' },
  { name: 'an administrator ended it', facts: bridged(40, { endedBy: 'admin', hangupRequestedAt: at(49) }), kind: 'ended-by-admin', label: 'Ended by an administrator', sentence: 'An administrator ended the call after 40 s.' },
  { name: 'Twilio unreachable', facts: { status: 'failed', failureReason: 'The call never reached our phone provider. Nothing was charged.' }, kind: 'twilio-unreachable', label: 'Not placed', sentence: 'The call never reached our phone provider. Nothing was charged.' },
];

