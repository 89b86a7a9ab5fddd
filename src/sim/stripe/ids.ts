import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Stripe-looking ids: a prefix and base62 characters (checkout sessions carry 58, others 24; see stripe-behavior.md §2.2). */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE62[byte % 62];
  return `${prefix}_${out}`;
}

export const unixNow = (now: Date) => Math.floor(now.getTime() / 1000);
