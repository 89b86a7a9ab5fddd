import { createHash, randomBytes } from 'node:crypto';

/** Recognisable prefix: secret scanners and people can tell a callbridge token from other credentials. */
export const TOKEN_PREFIX = 'cb_';
const TOKEN_SHAPE = /^cb_[A-Za-z0-9_-]{43}$/;

/** 256 random bits: a fast hash is enough (nothing to brute-force), and it is computed on every API request. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

/** What the token list shows: the prefix and the last four characters, never enough to use it. */
export function tokenHint(token: string): string {
  return `${TOKEN_PREFIX}…${token.slice(-4)}`;
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
