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
  };
}

export type WebhookUrls = ReturnType<typeof webhookUrls>;

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function response(body: string): string {
  return `${XML_HEADER}<Response>${body}</Response>`;
}

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
  const prompt = `${talk}Press 1 to connect your call to ${spokenNumber(toE164)}.`;
  return response(
    `<Gather input="dtmf" numDigits="1" timeout="${CONFIRM_TIMEOUT_S}" finishOnKey="" actionOnEmptyResult="true" action="${escapeXml(urls.confirm)}" method="POST">` +
      `<Say>${escapeXml(prompt)}</Say></Gather>` +
      // Reached only where actionOnEmptyResult is not honoured: no key, no call.
      '<Say>No key was pressed. Goodbye.</Say><Hangup/>',
  );
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
  return response(
    '<Say>Connecting your call.</Say>' +
      `<Dial timeLimit="${dial.talkLimitS}" timeout="${dial.dialTimeoutS}" callerId="${escapeXml(dial.callerId)}" action="${escapeXml(urls.dialAction)}" method="POST">` +
      `<Number statusCallback="${escapeXml(urls.childStatus)}" statusCallbackMethod="POST" statusCallbackEvent="initiated ringing answered completed">${escapeXml(dial.toE164)}</Number>` +
      '</Dial>',
  );
}

export function goodbyeTwiml(message: string): string {
  return response(`<Say>${escapeXml(message)}</Say><Hangup/>`);
}

export function hangupTwiml(): string {
  return response('<Hangup/>');
}
