import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header receivers check: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = 'Callbridge-Signature';
/** Receivers should refuse a signature older than this (replay); our own verify() does. */
export const SIGNATURE_TOLERANCE_S = 300;

export function signPayload(secret: string, timestampS: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${mac}`;
}

/** What a receiver does (also the reference for the /api page): recompute, compare in constant time, check age. */
export function verifySignature(secret: string, header: string, body: string, nowS: number, toleranceS = SIGNATURE_TOLERANCE_S): boolean {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(signPayload(secret, t, body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
