import twilio from 'twilio';
import { CONFIRM_TIMEOUT_S } from './call-limits.js';

const { VoiceResponse } = twilio.twiml;

/** The webhook paths Twilio calls for one call; every one carries our call id. */
export function webhookUrls(publicUrl: string, callId: string) {
  const base = `${publicUrl}/twilio/calls/${callId}`;
  return {
    answer: `${base}/answer`,
    confirm: `${base}/confirm`,
    dialAction: `${base}/dial-action`,
    parentStatus: `${base}/status`,
    childStatus: `${base}/child-status`,
  };
}

export type WebhookUrls = ReturnType<typeof webhookUrls>;

/** Spoken digits ("+44 20…" read as a number would be "forty-four billion…"). */
function spokenNumber(e164: string): string {
  return e164.replace(/^\+/, '').split('').join(' ');
}

/** The voicemail guard: a person presses 1; an answering machine never does, and the call ends undialled. */
export function confirmTwiml(urls: WebhookUrls, toE164: string): string {
  const response = new VoiceResponse();
  response
    .gather({ input: ['dtmf'], numDigits: 1, timeout: CONFIRM_TIMEOUT_S, finishOnKey: '', actionOnEmptyResult: true, action: urls.confirm, method: 'POST' })
    .say(`Press 1 to connect your call to ${spokenNumber(toE164)}.`);
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
}

/** Bridges the destination: <Dial timeLimit> caps the talk, the action and child callbacks report how it went. */
export function dialTwiml(urls: WebhookUrls, dial: DialInstructions): string {
  const response = new VoiceResponse();
  response.say('Connecting your call.');
  response
    .dial({ timeLimit: dial.talkLimitS, timeout: dial.dialTimeoutS, callerId: dial.callerId, action: urls.dialAction, method: 'POST' })
    .number({ statusCallback: urls.childStatus, statusCallbackMethod: 'POST', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] }, dial.toE164);
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
