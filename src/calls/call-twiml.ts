// The TwiML builder alone, not the SDK's index (which loads its REST client too).
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import { CONFIRM_TIMEOUT_S } from './call-limits.js';

/** The webhook paths Twilio calls for one call; every one carries our call id. */
export function webhookUrls(publicUrl: string, callId: string) {
  const base = `${publicUrl}/twilio/calls/${callId}`;
  return {
    answer: `${base}/answer`,
    confirm: `${base}/confirm`,
    dialAction: `${base}/dial-action`,
    parentStatus: `${base}/status`,
    childStatus: `${base}/child-status`,
    whisper: `${base}/whisper`,
    recordingStatus: `${base}/recording`,
  };
}

export type WebhookUrls = ReturnType<typeof webhookUrls>;

/** Spoken digits ("+44 20…" read as a number would be "forty-four billion…"). */
function spokenNumber(e164: string): string {
  return e164.replace(/^\+/, '').split('').join(' ');
}

/** "You can talk for up to 14 minutes." (whole minutes, rounded down; seconds only under a minute). */
export function spokenTalkTime(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes >= 1) return `You can talk for up to ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  return `You can talk for up to ${seconds} seconds.`;
}

/** The voicemail guard: a person presses 1; an answering machine never does, and the call ends undialled. */
export function confirmTwiml(urls: WebhookUrls, toE164: string, talkLimitS?: number): string {
  const talk = talkLimitS === undefined ? '' : `${spokenTalkTime(talkLimitS)} `;
  const response = new VoiceResponse();
  response
    .gather({ input: ['dtmf'], numDigits: 1, timeout: CONFIRM_TIMEOUT_S, finishOnKey: '', actionOnEmptyResult: true, action: urls.confirm, method: 'POST' })
    .say(`${talk}Press 1 to connect your call to ${spokenNumber(toE164)}.`);
  // Reached only where actionOnEmptyResult is not honoured: no key, no call.
  response.say('No key was pressed. Goodbye.');
  response.hangup();
  return response.toString();
}

export interface DialInstructions {
  toE164: string;
  /** The destination sees the user's own number (allowed: it is the To of this call). */
  callerId: string;
  talkLimitS: number;
  dialTimeoutS: number;
  /** Record the bridge: the user hears callerNotice first; the destination hears a whisper when it answers. */
  recording?: { callerNotice: string } | null | undefined;
}

/** Bridges the destination: <Dial timeLimit> caps the talk, the action and child callbacks report how it went. */
export function dialTwiml(urls: WebhookUrls, dial: DialInstructions): string {
  const response = new VoiceResponse();
  if (dial.recording) response.say(dial.recording.callerNotice);
  response.say('Connecting your call.');
  // Recording starts when the destination answers (after its whisper), both parties on their own channel.
  const record = dial.recording
    ? { record: 'record-from-answer-dual' as const, recordingStatusCallback: urls.recordingStatus, recordingStatusCallbackMethod: 'POST' as const, recordingStatusCallbackEvent: ['in-progress' as const, 'completed' as const, 'absent' as const] }
    : {};
  response
    .dial({ timeLimit: dial.talkLimitS, timeout: dial.dialTimeoutS, callerId: dial.callerId, action: urls.dialAction, method: 'POST', ...record })
    .number({
      statusCallback: urls.childStatus, statusCallbackMethod: 'POST', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      ...(dial.recording ? { url: urls.whisper, method: 'POST' as const } : {}),
    }, dial.toE164);
  return response.toString();
}

/** What the destination hears when it answers a recorded call, before the legs are joined. */
export function whisperTwiml(notice: string): string {
  const response = new VoiceResponse();
  response.say(notice);
  return response.toString();
}

export function goodbyeTwiml(message: string): string {
  const response = new VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

export function hangupTwiml(): string {
  const response = new VoiceResponse();
  response.hangup();
  return response.toString();
}
