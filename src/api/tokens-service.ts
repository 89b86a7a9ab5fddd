import { resolveWebhookTarget, type WebhookTargetPolicy } from './webhooks/webhook-target.js';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { FieldErrors } from '../http/forms.js';
import { generateToken, generateWebhookSecret, hashToken, looksLikeToken, tokenHint } from './token-secrets.js';
import { TOKEN_SCOPES, type ApiToken, type TokenOwner, type TokenScope, type TokensRepository } from './tokens-repository.js';

/** How often last_used_at may be written per token: a busy integration must not turn every request into a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;
export const MAX_TOKENS_PER_USER = 20;
/**
 * A looked-up token is reused for this long, so a status poll costs one database read (the call), not two. Revoking
 * clears it at once in this process; another process may accept a revoked token for at most this long.
 */
export const TOKEN_CACHE_MS = 5_000;
const TOKEN_CACHE_MAX = 10_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const createTokenForm = z.object({
  name: z.string({ message: 'Name the token, e.g. "CRM"' }).trim().min(1, 'Name the token, e.g. "CRM"').max(60, 'Use at most 60 characters'),
  scope: z.enum(TOKEN_SCOPES as [TokenScope, ...TokenScope[]], { message: 'Choose what the token may do' }),
  expires_on: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))), 'Enter a date like 2027-01-31, or leave it empty'),
  webhook_url: z
    .string()
    .trim()
    .max(500, 'Use at most 500 characters')
    .optional()
    .refine((v) => !v || isHttpUrl(v), 'Enter a full http:// or https:// address, or leave it empty'),
});

export type CreateTokenInput = z.infer<typeof createTokenForm>;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** Shown exactly once, right after creation. */
export interface CreatedToken {
  token: ApiToken;
  secret: string;
  webhookSecret: string | null;
}

export type AuthFailure = 'invalid_token' | 'token_revoked' | 'token_expired' | 'account_disabled';
export type Authentication = { ok: true; owner: TokenOwner } | { ok: false; reason: AuthFailure };

/** An expiry date means "valid through that day (UTC)". */
export function expiryFromDate(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
}

export function isExpired(token: ApiToken, now: Date): boolean {
  return token.expiresAt !== null && token.expiresAt <= now.toISOString();
}

export function tokensService(deps: { tokens: TokensRepository; clock: Clock; webhookTargets: WebhookTargetPolicy }) {
  const { tokens, clock } = deps;
  // Per process: when we last wrote last_used_at for each token; the UPDATE itself is conditional across processes.
  const lastTouched = new Map<number, number>();
  const cache = new Map<string, { owner: TokenOwner; at: number }>();

  async function lookup(hash: string, now: number): Promise<TokenOwner | undefined> {
    const hit = cache.get(hash);
    if (hit && now - hit.at < TOKEN_CACHE_MS && now >= hit.at) return hit.owner;
    const owner = await tokens.findOwnerByHash(hash);
    cache.delete(hash);
    if (owner && !owner.token.revokedAt) {
      if (cache.size >= TOKEN_CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(hash, { owner, at: now });
    }
    return owner;
  }

  return {
    list: (userId: number) => tokens.listForUser(userId),

    /**
     * A token acts for one account: `account` is the one the user pays from (default: personal). A team's token may
     * be made only by its owners and admins: it spends the team's money.
     */
    async create(userId: number, input: CreateTokenInput, account?: { accountId: number; kind: 'personal' | 'team'; role: 'owner' | 'admin' | 'member'; label: string }): Promise<{ ok: true; value: CreatedToken } | { ok: false; errors: FieldErrors }> {
      const now = clock.now();
      if (account && account.kind === 'team' && account.role === 'member') {
        return { ok: false, errors: { form: `Only the owners and admins of ${account.label} can create tokens for it: choose Personal under "Pay from" on the dial page for a token of your own` } };
      }
      if (input.expires_on && expiryFromDate(input.expires_on) <= now.toISOString()) {
        return { ok: false, errors: { expires_on: 'Choose today or a later date' } };
      }
      // https only (the payload carries calls and costs) and public addresses only (checked again at each delivery).
      if (input.webhook_url) {
        const target = await resolveWebhookTarget(input.webhook_url, deps.webhookTargets);
        if (!target.ok) return { ok: false, errors: { webhook_url: target.message } };
      }
      const live = (await tokens.listForUser(userId)).filter((t) => !t.revokedAt);
      if (live.length >= MAX_TOKENS_PER_USER) {
        return { ok: false, errors: { name: `You have ${MAX_TOKENS_PER_USER} tokens already: revoke one you no longer use first` } };
      }
      const secret = generateToken();
      const webhookSecret = input.webhook_url ? generateWebhookSecret() : null;
      const token = await tokens.insert({
        userId,
        accountId: account?.accountId ?? (await tokens.personalAccountOf(userId)),
        name: input.name,
        scope: input.scope,
        tokenHash: hashToken(secret),
        hint: tokenHint(secret),
        webhookUrl: input.webhook_url || null,
        webhookSecret,
        expiresAt: input.expires_on ? expiryFromDate(input.expires_on) : null,
        createdAt: now.toISOString(),
      });
      return { ok: true, value: { token, secret, webhookSecret } };
    },

    revoke(userId: number, tokenId: number): Promise<boolean> {
      lastTouched.delete(tokenId);
      for (const [hash, entry] of cache) if (entry.owner.token.id === tokenId) cache.delete(hash);
      return tokens.revoke(userId, tokenId, clock.now().toISOString());
    },

    /** Revokes every live token of the user; returns how many were live. */
    revokeAll(userId: number): Promise<number> {
      this.forgetUser(userId);
      return tokens.revokeAllOf(userId, clock.now().toISOString());
    },

    /** Drops this process's cached look-ups for the user's tokens (the account was disabled or its tokens revoked). */
    forgetUser(userId: number): void {
      for (const [hash, entry] of cache) {
        if (entry.owner.user.id !== userId) continue;
        cache.delete(hash);
        lastTouched.delete(entry.owner.token.id);
      }
    },

    /** The bearer check on every API request: one indexed read; a write at most once a minute per token. */
    async authenticate(presented: string): Promise<Authentication> {
      if (!looksLikeToken(presented)) return { ok: false, reason: 'invalid_token' };
      const now = clock.now();
      const owner = await lookup(hashToken(presented), now.getTime());
      if (!owner) return { ok: false, reason: 'invalid_token' };
      if (owner.token.revokedAt) return { ok: false, reason: 'token_revoked' };
      if (isExpired(owner.token, now)) return { ok: false, reason: 'token_expired' };
      // Disabled means disabled: the API refuses the account's tokens as the web refuses its log-ins.
      if (owner.user.disabledAt) return { ok: false, reason: 'account_disabled' };
      // A team's token stops acting when its owner leaves the team (or is removed): as if revoked.
      if (owner.account.role === null) return { ok: false, reason: 'token_revoked' };
      await touch(owner.token, now);
      return { ok: true, owner };
    },
  };

  async function touch(token: ApiToken, now: Date): Promise<void> {
    const at = now.getTime();
    const stored = token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0;
    if (at - Math.max(stored, lastTouched.get(token.id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    lastTouched.set(token.id, at);
    await tokens.touchLastUsed(token.id, now.toISOString(), new Date(at - LAST_USED_RESOLUTION_MS).toISOString());
  }
}

export type TokensService = ReturnType<typeof tokensService>;
