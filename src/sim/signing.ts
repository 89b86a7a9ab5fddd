import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/** base64(HMAC-SHA1(authToken, url + sorted params)), the X-Twilio-Signature header, computed by the twilio SDK. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string | string[]>): string {
  return getExpectedTwilioSignature(authToken, url, params);
}

/**
 * The URL Twilio signs for a voice webhook: no fragment (connection overrides such as #rc=2 are not signed), no
 * user:pass@, and no port on https (voice callbacks over HTTPS drop it; over HTTP they keep it).
 */
export function twilioSignedUrl(rawUrl: string): string {
  const url = new URL(rawUrl);
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.protocol === 'https:') url.port = '';
  return url.toString();
}
