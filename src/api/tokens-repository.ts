import type { Db } from '../db/database.js';
import { personalAccountId } from '../shared/personal-account.js';

export type TokenScope = 'calls' | 'read';
export const TOKEN_SCOPES: readonly TokenScope[] = ['calls', 'read'];

/** A token as the account page lists it: never the secret. */
export interface ApiToken {
  id: number;
  userId: number;
  /** The account the token acts for (its balance, calls, recordings); null only on a row from before accounts. */
  accountId: number | null;
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
  /** The account the token acts for, and the user's role in it now (null: no longer a member, so it may not act). */
  account: TokenAccount;
}

export interface TokenAccount {
  id: number;
  kind: 'personal' | 'team';
  name: string;
  role: 'owner' | 'admin' | 'member' | null;
}

interface TokenRow {
  id: number;
  user_id: number;
  account_id?: number | string | null;
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

const TOKEN_COLUMNS = ['id', 'user_id', 'account_id', 'name', 'scope', 'token_hint', 'webhook_url', 'expires_at', 'last_used_at', 'revoked_at', 'created_at'] as const;

function toToken(row: Omit<TokenRow, 'token_hash' | 'webhook_secret'>): ApiToken {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    accountId: row.account_id == null ? null : Number(row.account_id),
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
  accountId: number;
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
    personalAccountOf: (userId: number) => personalAccountId(db, userId),

    async insert(row: NewTokenRow): Promise<ApiToken> {
      const [inserted] = await db<TokenRow>('api_tokens')
        .insert({
          user_id: row.userId,
          account_id: row.accountId,
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

    /**
     * The per-request lookup: one read on the unique token_hash index, joined to the owner's phone and to the token's
     * account with the owner's membership in it (a member who left a team leaves its tokens unable to act).
     */
    async findOwnerByHash(tokenHash: string): Promise<TokenOwner | undefined> {
      const query = () =>
        db('api_tokens as t')
          .join('users as u', 'u.id', 't.user_id')
          .leftJoin('accounts as a', 'a.id', 't.account_id')
          .leftJoin('account_members as m', (j) => j.on('m.account_id', '=', 't.account_id').andOn('m.user_id', '=', 't.user_id'))
          .where('t.token_hash', tokenHash)
          .first(...TOKEN_COLUMNS.map((c) => `t.${c}`), 'u.phone_e164', 'u.phone_verified_at', 'u.disabled_at', 'a.kind as account_kind', 'a.name as account_name', 'm.role as account_role');
      let row = await query();
      if (!row) return undefined;
      if (row.account_id == null) {
        // A token from before accounts (or an old fixture): it acts for its user's personal account, from now on stored.
        await db('api_tokens').where({ id: row.id }).update({ account_id: await personalAccountId(db, Number(row.user_id)) });
        row = await query();
      }
      const account: TokenAccount = { id: Number(row.account_id), kind: row.account_kind, name: row.account_name, role: row.account_role ?? null };
      return { token: toToken(row as TokenRow), user: { id: Number(row.user_id), phoneE164: row.phone_e164, phoneVerifiedAt: row.phone_verified_at, disabledAt: row.disabled_at ?? null }, account };
    },

    /** The user's tokens, each with the name of the account it acts for ("Personal" for their own). */
    async listForUser(userId: number): Promise<Array<ApiToken & { accountLabel: string }>> {
      const rows = await db('api_tokens as t')
        .leftJoin('accounts as a', 'a.id', 't.account_id')
        .where('t.user_id', userId)
        .orderBy('t.id', 'desc')
        .select(...TOKEN_COLUMNS.map((c) => `t.${c}`), 'a.kind as account_kind', 'a.name as account_name');
      return rows.map((r: TokenRow & { account_kind: string | null; account_name: string | null }) => ({ ...toToken(r), accountLabel: r.account_kind === 'team' ? (r.account_name ?? '') : 'Personal' }));
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
    async webhookTargets(userId: number, now: string, accountId?: number | null): Promise<Array<{ tokenId: number; url: string; secret: string }>> {
      const query = db<TokenRow>('api_tokens').where({ user_id: userId });
      // A call paid by an account goes to the tokens acting for that account. A token from before teams (no
      // account_id yet) acts for its user's personal account: it hears the call when that is the account that paid,
      // asked in the same statement rather than by looking the personal account up first.
      if (accountId != null) {
        query.andWhere((q) =>
          q.where('account_id', accountId).orWhere((legacy) =>
            legacy.whereNull('account_id').whereExists(db('accounts').select(db.raw('1')).where({ id: accountId, personal_user_id: userId })),
          ),
        );
      }
      const rows = await query
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
