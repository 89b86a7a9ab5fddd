import { randomBytes } from 'node:crypto';

/** A Twilio-style SID: two-letter prefix and 32 lower-case hex digits. */
export function newSid(prefix: 'CA' | 'VE' | 'VL'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** A SID derived from a string, so the same number always gets the same phone_number_sid. */
export function stableSid(prefix: 'PN', seed: string): string {
  let hex = '';
  for (let i = 0; hex.length < 32; i++) hex += ((hashString(seed + i) >>> 0).toString(16)).padStart(8, '0');
  return prefix + hex.slice(0, 32);
}

function hashString(value: string): number {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h;
}
