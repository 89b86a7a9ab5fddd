import { createHmac, timingSafeEqual } from 'node:crypto';

/** The session cookie express-session sets (src/app.ts). */
export const SESSION_COOKIE = 'callbridge.sid';

/** The session id from express-session's signed cookie ("s:" + id + "." + base64 HMAC-SHA256), or undefined. */
export function sessionIdFrom(cookieHeader: string | undefined, secret: string): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (!value.startsWith('s:')) return undefined;
    const signed = value.slice(2);
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = signed.slice(0, dot);
    const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, ''));
    const actual = Buffer.from(signed.slice(dot + 1));
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? id : undefined;
  }
  return undefined;
}
