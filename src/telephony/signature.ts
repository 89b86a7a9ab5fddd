// The SDK's webhook module alone: the whole SDK (its REST client, axios, JWT) is loaded only to call Twilio.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/** Form parameters as Twilio signs them: a repeated key (array) contributes every distinct value. */
export type SignedParams = Record<string, string | readonly string[] | undefined>;

/**
 * Checks an X-Twilio-Signature header with the twilio SDK's validateRequest, which tries the URL as received with and
 * without its port and in its WHATWG-normalised form, and compares in constant time. `url` is the URL Twilio was
 * given: PUBLIC_URL followed by the path and query as received (see requireTwilioSignature in calls/webhook-routes.ts).
 */
export function validateTwilioSignature(
  authToken: string,
  url: string,
  params: SignedParams,
  signatureHeader: string | undefined,
): boolean {
  if (!authToken || !signatureHeader) return false;
  const signed: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) signed[name] = typeof value === 'string' ? value : [...value];
  return validateRequest(authToken, signatureHeader, url, signed);
}
