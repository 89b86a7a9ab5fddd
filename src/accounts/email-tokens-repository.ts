import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '../db/database.js';

export type EmailTokenPurpose = 'confirm' | 'reset' | 'change-email';

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Single-use emailed links: the raw token goes into the email, only its SHA-256 into the database. */
export function emailTokensRepository(db: Db) {
  return {
    /** `trx`: write the link in the caller's transaction (an admin's reset link commits with its audit row). */
    async create(userId: number, purpose: EmailTokenPurpose, now: Date, lifetimeMs: number, newEmail?: string, trx?: Knex.Transaction): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await (trx ?? db)('email_tokens').insert({
        user_id: userId,
        purpose,
        token_hash: hashOf(token),
        new_email: newEmail ?? null,
        expires_at: new Date(now.getTime() + lifetimeMs).toISOString(),
        created_at: now.toISOString(),
      });
      return token;
    },

    /** The link's user while it is unused and unexpired, without using it (a form shown before the change). */
    async peek(token: string, purpose: EmailTokenPurpose, now: Date): Promise<{ userId: number; newEmail: string | null } | undefined> {
      const row = (await db('email_tokens')
        .where({ token_hash: hashOf(token), purpose })
        .whereNull('used_at')
        .andWhere('expires_at', '>', now.toISOString())
        .first('user_id', 'new_email')) as { user_id: number; new_email: string | null } | undefined;
      return row && { userId: Number(row.user_id), newEmail: row.new_email };
    },

    /**
     * Uses the link: one conditional update, so of two requests racing with the same link exactly one gets the
     * user. Undefined for an unknown, used or expired link.
     */
    async consume(token: string, purpose: EmailTokenPurpose, now: Date): Promise<{ userId: number; newEmail: string | null } | undefined> {
      const rows = (await db('email_tokens')
        .where({ token_hash: hashOf(token), purpose })
        .whereNull('used_at')
        .andWhere('expires_at', '>', now.toISOString())
        .update({ used_at: now.toISOString() })
        .returning(['user_id', 'new_email'])) as Array<{ user_id: number; new_email: string | null }>;
      const row = rows[0];
      return row && { userId: Number(row.user_id), newEmail: row.new_email };
    },

    /** Uses up every open link of one purpose (a password set: older reset links stop working). */
    async useAll(userId: number, purpose: EmailTokenPurpose, now: Date): Promise<void> {
      await db('email_tokens').where({ user_id: userId, purpose }).whereNull('used_at').update({ used_at: now.toISOString() });
    },
  };
}

export type EmailTokensRepository = ReturnType<typeof emailTokensRepository>;
