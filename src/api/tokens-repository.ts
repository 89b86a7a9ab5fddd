import type { Db } from '../db/database.js';

export type TokenScope = 'calls' | 'read';
export const TOKEN_SCOPES: readonly TokenScope[] = ['calls', 'read'];

/** A token as the account page lists it: never the secret. */
export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  scope: TokenScope;
  hint: string;
  webhookUrl: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

/** What the API needs about the caller, read in one indexed query per request. */
export interface TokenOwner {
  token: ApiToken;
  user: { id: number; phoneE164: string | null; phoneVerifiedAt: string | null; disabledAt: string | null };
}

interface TokenRow {
  id: number;
  user_id: number;
  name: string;
  scope: TokenScope;
  token_hash: string;
  token_hint: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

const TOKEN_COLUMNS = ['id', 'user_id', 'name', 'scope', 'token_hint', 'webhook_url', 'expires_at', 'last_used_at', 'revoked_at', 'created_at'] as const;

function toToken(row: Omit<TokenRow, 'token_hash' | 'webhook_secret'>): ApiToken {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    scope: row.scope,
    hint: row.token_hint,
    webhookUrl: row.webhook_url,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

export interface NewTokenRow {
  userId: number;
  name: string;
  scope: TokenScope;
  tokenHash: string;
  hint: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export function tokensRepository(db: Db) {
  return {
    async insert(row: NewTokenRow): Promise<ApiToken> {
      const [inserted] = await db<TokenRow>('api_tokens')
        .insert({
          user_id: row.userId,
          name: row.name,
          scope: row.scope,
          token_hash: row.tokenHash,
          token_hint: row.hint,
          webhook_url: row.webhookUrl,
          webhook_secret: row.webhookSecret,
          expires_at: row.expiresAt,
          created_at: row.createdAt,
        })
        .returning([...TOKEN_COLUMNS]);
      return toToken(inserted as TokenRow);
    },

    /** The per-request lookup: one read on the unique token_hash index, joined to the owner's phone. */
    async findOwnerByHash(tokenHash: string): Promise<TokenOwner | undefined> {
      const row = await db('api_tokens as t')
        .join('users as u', 'u.id', 't.user_id')
        .where('t.token_hash', tokenHash)
        .first(...TOKEN_COLUMNS.map((c) => `t.${c}`), 'u.phone_e164', 'u.phone_verified_at', 'u.disabled_at');
      if (!row) return undefined;
      return { token: toToken(row as TokenRow), user: { id: Number(row.user_id), phoneE164: row.phone_e164, phoneVerifiedAt: row.phone_verified_at, disabledAt: row.disabled_at ?? null } };
    },

    async listForUser(userId: number): Promise<ApiToken[]> {
      const rows = await db<TokenRow>('api_tokens').where({ user_id: userId }).orderBy('id', 'desc').select(...TOKEN_COLUMNS);
      return rows.map(toToken);
    },

    /** Returns false when there is no such live token of this user (someone else's id reads as missing). */
    async revoke(userId: number, tokenId: number, at: string): Promise<boolean> {
      const changed = await db<TokenRow>('api_tokens').where({ id: tokenId, user_id: userId }).whereNull('revoked_at').update({ revoked_at: at });
      return changed > 0;
    },

    /** Revokes every live token of the user (a password change or "log out everywhere" asked for it); returns how many. */
    async revokeAllOf(userId: number, at: string): Promise<number> {
      return db<TokenRow>('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: at });
    },

    /** Conditional, so several processes touching the same token within the minute write once between them. */
    async touchLastUsed(tokenId: number, at: string, notSince: string): Promise<void> {
      await db<TokenRow>('api_tokens')
        .where({ id: tokenId })
        .andWhere((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', notSince))
        .update({ last_used_at: at });
    },

    /** Live tokens of a user that have a webhook URL: where call.completed goes. */
    async webhookTargets(userId: number, now: string): Promise<Array<{ tokenId: number; url: string; secret: string }>> {
      const rows = await db<TokenRow>('api_tokens')
        .where({ user_id: userId })
        .whereNotNull('webhook_url')
        .whereNull('revoked_at')
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
        .select('id', 'webhook_url', 'webhook_secret');
      return rows.map((r) => ({ tokenId: Number(r.id), url: r.webhook_url!, secret: r.webhook_secret ?? '' }));
    },

    async webhookSecret(tokenId: number): Promise<string | undefined> {
      const row = await db<TokenRow>('api_tokens').where({ id: tokenId }).first('webhook_secret');
      return row?.webhook_secret ?? undefined;
    },
  };
}

export type TokensRepository = ReturnType<typeof tokensRepository>;
