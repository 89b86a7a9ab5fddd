import { createHmac, timingSafeEqual } from 'node:crypto';

/** Form parameters as Twilio signs them: a repeated key (array) contributes every distinct value. */
export type SignedParams = Record<string, string | readonly string[] | undefined>;

/**
 * The string Twilio feeds to HMAC-SHA1: the URL followed by every POST parameter as name+value, names sorted by code
 * unit (so 'B' < 'a'), repeated keys contributing their distinct values in sorted order (twilio-node does the same).
 */
export function twilioSignaturePayload(url: string, params: SignedParams): string {
  let payload = url;
  for (const name of Object.keys(params).sort(compareCodeUnits)) {
    const value = params[name];
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : Array.from(new Set(value)).sort(compareCodeUnits);
    for (const v of values) payload += name + v;
  }
  return payload;
}

/** base64(HMAC-SHA1(authToken, url + sorted params)): the X-Twilio-Signature header value. */
export function computeTwilioSignature(authToken: string, url: string, params: SignedParams): string {
  return createHmac('sha1', authToken).update(Buffer.from(twilioSignaturePayload(url, params), 'utf-8')).digest('base64');
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

/**
 * Checks an X-Twilio-Signature header the way twilio-node's validateRequest does: the URL as received, with and
 * without the scheme's default port, and its WHATWG-normalised form, compared in constant time.
 */
export function validateTwilioSignature(
  authToken: string,
  url: string,
  params: SignedParams,
  signatureHeader: string | undefined,
): boolean {
  if (!authToken || !signatureHeader) return false;
  return urlCandidates(url).some((candidate) => safeEqual(computeTwilioSignature(authToken, candidate, params), signatureHeader));
}

function urlCandidates(url: string): string[] {
  const candidates = new Set<string>([url]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : '80';
  const hostWithPort = `${parsed.hostname}:${defaultPort}`;
  // URL drops a default port on parse, so the port-bearing variant is rebuilt textually.
  const withoutPort = parsed.toString();
  const withPort = withoutPort.replace(`//${parsed.host}`, `//${parsed.port ? parsed.host : hostWithPort}`);
  for (const variant of [withoutPort, withPort]) candidates.add(variant);
  const rawWithoutDefaultPort = url.replace(`//${hostWithPort}`, `//${parsed.hostname}`);
  candidates.add(rawWithoutDefaultPort);
  if (!url.includes(`//${hostWithPort}`) && !parsed.port) candidates.add(url.replace(`//${parsed.host}`, `//${hostWithPort}`));
  return [...candidates];
}

function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
