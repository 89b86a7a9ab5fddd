import type { Db } from '../db/database.js';
import type { VerifyChannel } from './phone-verifier.js';

export type VerificationStatus = 'pending' | 'approved' | 'failed' | 'expired' | 'replaced';

export interface PendingVerification {
  id: number;
  userId: number;
  phoneE164: string;
  country: string | null;
  channel: VerifyChannel;
  verificationSid: string;
  checks: number;
  expiresAt: string;
}

interface VerificationRow {
  id: number;
  user_id: number;
  phone_e164: string;
  country: string | null;
  channel: VerifyChannel;
  verification_sid: string;
  status: VerificationStatus;
  checks: number;
  expires_at: string;
}

const toPending = (row: VerificationRow): PendingVerification => ({
  id: row.id,
  userId: row.user_id,
  phoneE164: row.phone_e164,
  country: row.country,
  channel: row.channel,
  verificationSid: row.verification_sid,
  checks: Number(row.checks),
  expiresAt: row.expires_at,
});

/** The phone_verifications table, and the one users column a successful verification sets. */
export function phoneVerificationsRepository(db: Db) {
  return {
    /** The user's verification still waiting for a code (expired or not: the caller decides with its clock). */
    async pendingFor(userId: number): Promise<PendingVerification | undefined> {
      const row = await db<VerificationRow>('phone_verifications').where({ user_id: userId, status: 'pending' }).orderBy('id', 'desc').first();
      return row && toPending(row);
    },

    async lastCountry(userId: number): Promise<string | undefined> {
      const row = await db<VerificationRow>('phone_verifications').where({ user_id: userId }).whereNotNull('country').orderBy('id', 'desc').first('country');
      return row?.country ?? undefined;
    },

    /** The account whose phone this is, if any (a number is only stored on an account once verified). */
    async ownerOf(phoneE164: string): Promise<number | undefined> {
      const row = await db('users').where({ phone_e164: phoneE164 }).first<{ id: number } | undefined>('id');
      return row?.id;
    },

    /**
     * Records a started verification; an earlier pending one of the user is replaced (one code form at a time). A
     * resend to the same number is the same Verify verification, so its wrong-code count carries over.
     */
    async start(input: Omit<PendingVerification, 'id' | 'checks'>, now: string): Promise<void> {
      await db.transaction(async (trx) => {
        const previous = (await trx('phone_verifications').where({ user_id: input.userId, status: 'pending', verification_sid: input.verificationSid }).max({ checks: 'checks' }).first()) as { checks: number | string | null } | undefined;
        await trx('phone_verifications').where({ user_id: input.userId, status: 'pending' }).update({ status: 'replaced', updated_at: now });
        await trx('phone_verifications').insert({
          user_id: input.userId,
          phone_e164: input.phoneE164,
          country: input.country,
          channel: input.channel,
          verification_sid: input.verificationSid,
          status: 'pending',
          checks: Number(previous?.checks ?? 0),
          expires_at: input.expiresAt,
          created_at: now,
          updated_at: now,
        });
      });
    },

    async countCheck(id: number, now: string): Promise<void> {
      await db('phone_verifications').where({ id }).update({ checks: db.raw('checks + 1'), updated_at: now });
    },

    async finish(id: number, status: Exclude<VerificationStatus, 'pending' | 'approved'>, now: string): Promise<void> {
      await db('phone_verifications').where({ id, status: 'pending' }).update({ status, updated_at: now });
    },

    /**
     * Makes the verified number the user's phone, in one transaction with closing the verification. 'taken' when
     * another account verified it meanwhile (the unique index settles a race); then nothing changes.
     */
    async approve(verification: PendingVerification, now: string): Promise<'saved' | 'taken'> {
      try {
        return await db.transaction(async (trx) => {
          const owner = await trx('users').where({ phone_e164: verification.phoneE164 }).whereNot({ id: verification.userId }).first('id');
          if (owner) return 'taken' as const;
          await trx('users').where({ id: verification.userId }).update({ phone_e164: verification.phoneE164, phone_verified_at: now, updated_at: now });
          await trx('phone_verifications').where({ id: verification.id }).update({ status: 'approved', updated_at: now });
          return 'saved' as const;
        });
      } catch (err) {
        if (await this.ownerOf(verification.phoneE164)) return 'taken';
        throw err;
      }
    },
  };
}

export type PhoneVerificationsRepository = ReturnType<typeof phoneVerificationsRepository>;
