import { z } from 'zod';
import { nextQuery, safeNext } from '../shared/safe-next.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { recordAudit } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import type { FieldErrors } from '../http/forms.js';
import { retryMessage, type AttemptCounters, type LimitPolicy } from '../rate-limits/attempt-counters.js';
import { emailField, newPasswordField } from './accounts-service.js';
import type { EmailTokensRepository } from './email-tokens-repository.js';
import type { PasswordHasher } from './passwords.js';
import type { SessionsRepository } from './sessions-repository.js';
import type { User, UsersRepository } from './users-repository.js';

const MINUTE = 60_000;
export const CONFIRM_LINK_LIFETIME_MS = 24 * 60 * MINUTE;
export const RESET_LINK_LIFETIME_MS = 30 * MINUTE;
/** Reset emails to one address: enough for a lost email or two, too few to flood an inbox. */
export const RESETS_PER_ADDRESS: LimitPolicy = { name: 'reset-address', limit: 3, windowMs: 60 * MINUTE };
/** Reset requests from one client address, whichever emails they name. */
export const RESETS_PER_CLIENT: LimitPolicy = { name: 'reset-client', limit: 20, windowMs: 60 * MINUTE };
export const CONFIRM_RESENDS_PER_USER: LimitPolicy = { name: 'confirm-resend', limit: 3, windowMs: 60 * MINUTE };
export const EMAIL_CHANGES_PER_USER: LimitPolicy = { name: 'email-change', limit: 5, windowMs: 60 * MINUTE };

export const forgotPasswordForm = z.object({ email: emailField });
export const resetPasswordForm = z
  .object({ token: z.string().min(1, 'This link is incomplete'), new_password: newPasswordField, confirm_password: z.string(), revoke_tokens: z.string().optional() })
  .refine((f) => f.new_password === f.confirm_password, { path: ['confirm_password'], message: 'The two new passwords differ' });
export const changeNameForm = z.object({ name: z.string().trim().min(1, 'Enter your name').max(100, 'Use at most 100 characters') });
export const changeEmailForm = z.object({ new_email: emailField, email_password: z.string().min(1, 'Enter your current password') });

export const UNCONFIRMED_MESSAGE = 'Confirm your email address first: follow the link we emailed you (or send a new one from your account page).';

/** What this service needs of the email feature (src/email), named here so accounts does not import it. */
export interface AccountMailer {
  queue(request: { to: string; kind: 'confirm-email' | 'signup-attempt' | 'reset-password' | 'change-email-confirm' | 'email-changed'; userId: number; data: Record<string, unknown> }): Promise<unknown>;
}
export interface AccountNotices {
  notify(userId: number, kind: 'password-changed', data: Record<string, unknown>): Promise<void>;
}

export interface AccountEmailDeps {
  /** Only for transactions: an admin's reset link and its audit row commit together. */
  db: Db;
  users: UsersRepository;
  sessions: SessionsRepository;
  tokens: EmailTokensRepository;
  counters: AttemptCounters;
  hasher: PasswordHasher;
  clock: Clock;
  logger: Logger;
  mailer: AccountMailer;
  notices: AccountNotices;
  publicUrl: string;
  /** Revokes every API token of the user; how many were live. */
  revokeApiTokens: (userId: number) => Promise<number>;
}

/**
 * Counts first, then decides: the atomic increment returns this attempt's number, so 30 parallel requests cannot
 * all read "under the limit" before any of them writes.
 */
async function overLimit(counters: AttemptCounters, policy: LimitPolicy, subject: string): Promise<boolean> {
  return (await counters.record(policy, subject)) > policy.limit;
}

export function accountEmailService(deps: AccountEmailDeps) {
  const { users, tokens, counters, clock, mailer, notices, publicUrl } = deps;
  const background = new Set<Promise<void>>();
  const inBackground = (work: () => Promise<void>) => {
    const tracked: Promise<void> = work()
      .catch((err: unknown) => deps.logger.error({ err }, 'account email work failed'))
      .finally(() => background.delete(tracked));
    background.add(tracked);
  };

  /** `next`: where the confirmed user goes (a local path, checked by the routes; '/' adds nothing to the link). */
  async function sendConfirmation(user: User, next = '/'): Promise<void> {
    const token = await tokens.create(user.id, 'confirm', clock.now(), CONFIRM_LINK_LIFETIME_MS);
    await mailer.queue({ to: user.email, userId: user.id, kind: 'confirm-email', data: { name: user.name, link: `${publicUrl}/confirm-email?token=${token}${nextQuery(safeNext(next), '&')}` } });
  }

  async function sendResetLink(user: User, byAdmin: boolean, token?: string): Promise<void> {
    const link = token ?? (await tokens.create(user.id, 'reset', clock.now(), RESET_LINK_LIFETIME_MS));
    await mailer.queue({ to: user.email, userId: user.id, kind: 'reset-password', data: { name: user.name, byAdmin, link: `${publicUrl}/reset-password?token=${link}` } });
  }

  return {
    /** After the sign-up form: a new account gets its confirmation link; the owner of a taken address is told. */
    async afterSignUp(email: string, created: User | undefined, next = '/'): Promise<void> {
      if (created) return sendConfirmation(created, next);
      const owner = await users.findCredentialsByEmail(email);
      if (!owner) return;
      await mailer.queue({ to: owner.user.email, userId: owner.user.id, kind: 'signup-attempt', data: { email: owner.user.email, loginUrl: `${publicUrl}/login`, resetUrl: `${publicUrl}/forgot-password` } });
    },

    async resendConfirmation(user: User): Promise<{ ok: true } | { ok: false; message: string }> {
      if (user.emailConfirmedAt) return { ok: false, message: 'Your address is already confirmed.' };
      if (await overLimit(counters, CONFIRM_RESENDS_PER_USER, String(user.id))) {
        const state = await counters.check(CONFIRM_RESENDS_PER_USER, String(user.id));
        return { ok: false, message: `We have sent several links already: check your spam folder. ${state.blocked ? retryMessage(state.retryInMs) : ''}`.trim() };
      }
      await sendConfirmation(user);
      return { ok: true };
    },

    /** Follows a confirmation link: the user to log in, or undefined for a used, expired or unknown link. */
    async confirm(token: string): Promise<User | undefined> {
      const link = await tokens.consume(token, 'confirm', clock.now());
      if (!link) return undefined;
      await users.confirmEmail(link.userId, clock.now().toISOString());
      const user = await users.findById(link.userId);
      return user && !user.disabledAt ? user : undefined;
    },

    /**
     * The forgot-password form. The answer is the same whether or not the address has an account, and so is the
     * time it takes: the lookup and the email are done after the response, in the background.
     */
    async requestReset(email: string, client: string): Promise<{ limited: boolean }> {
      const [byAddress, byClient] = [await overLimit(counters, RESETS_PER_ADDRESS, email), await overLimit(counters, RESETS_PER_CLIENT, client)];
      if (byAddress || byClient) return { limited: true };
      inBackground(async () => {
        const found = await users.findCredentialsByEmail(email);
        if (found && !found.user.disabledAt) await sendResetLink(found.user, false);
      });
      return { limited: false };
    },

    /**
     * An admin emails a user a reset link: the link and the audit row commit together (the raw token is never
     * recorded); the email is queued after the commit, so a failed transaction sends nothing.
     */
    async adminSendReset(adminId: number, userId: number): Promise<User | undefined> {
      const user = await users.findById(userId);
      if (!user) return undefined;
      const token = await deps.db.transaction(async (trx) => {
        const created = await tokens.create(user.id, 'reset', clock.now(), RESET_LINK_LIFETIME_MS, undefined, trx);
        await recordAudit(trx, clock, { actorId: adminId, action: 'user.reset-link', subject: `user ${user.id}`, summary: `Emailed a password reset link to ${user.email} (works once, for 30 minutes)`, newValue: { email: user.email } });
        return created;
      });
      await sendResetLink(user, true, token);
      return user;
    },

    /** Whether an emailed link is unused and unexpired, without using it (its page's button is shown only then). */
    async linkValid(token: string, purpose: 'confirm' | 'change-email'): Promise<boolean> {
      return token !== '' && (await tokens.peek(token, purpose, clock.now())) !== undefined;
    },

    /** Whether a reset link still works (the form is shown only then). */
    async resetLinkValid(token: string): Promise<boolean> {
      return (await tokens.peek(token, 'reset', clock.now())) !== undefined;
    },

    /** Sets the new password, ends every session, optionally revokes the API tokens; undefined for a dead link. */
    async resetPassword(input: z.infer<typeof resetPasswordForm>): Promise<{ user: User; tokensRevoked: number | undefined } | undefined> {
      const hash = await deps.hasher.hash(input.new_password);
      const now = clock.now();
      const link = await tokens.consume(input.token, 'reset', now);
      if (!link) return undefined;
      await users.updatePassword(link.userId, hash, now.toISOString());
      // Reading the email proves the address as well as the confirmation link would.
      await users.confirmEmail(link.userId, now.toISOString());
      await tokens.useAll(link.userId, 'reset', now);
      await deps.sessions.endAll([link.userId]);
      const tokensRevoked = input.revoke_tokens ? await deps.revokeApiTokens(link.userId) : undefined;
      await notices.notify(link.userId, 'password-changed', { at: now.toISOString(), tokensRevoked: tokensRevoked ?? 0 });
      const user = await users.findById(link.userId);
      return user && { user, tokensRevoked };
    },

    async changeName(userId: number, name: string): Promise<void> {
      await users.updateName(userId, name, clock.now().toISOString());
    },

    /** Sends a confirmation link to the new address; the account keeps the old one until it is followed. */
    async requestEmailChange(user: User, input: z.infer<typeof changeEmailForm>): Promise<{ ok: true } | { ok: false; errors: FieldErrors }> {
      if (input.new_email === user.email) return { ok: false, errors: { new_email: 'This is already your address' } };
      const hash = await users.passwordHashOf(user.id);
      if (!hash || !(await deps.hasher.verify(hash, input.email_password))) return { ok: false, errors: { email_password: 'Current password is incorrect' } };
      if (await overLimit(counters, EMAIL_CHANGES_PER_USER, String(user.id))) return { ok: false, errors: { new_email: 'Too many address changes: try again in an hour.' } };
      // A taken address gets no link, but the answer is the same, so the form does not reveal who has an account.
      if (await users.findCredentialsByEmail(input.new_email)) return { ok: true };
      const token = await tokens.create(user.id, 'change-email', clock.now(), CONFIRM_LINK_LIFETIME_MS, input.new_email);
      await mailer.queue({ to: input.new_email, userId: user.id, kind: 'change-email-confirm', data: { name: user.name, newEmail: input.new_email, link: `${publicUrl}/account/email/confirm?token=${token}` } });
      return { ok: true };
    },

    /** Follows the new address's link: the address changes and the old one is told. */
    async confirmEmailChange(token: string): Promise<{ ok: true; email: string } | { ok: false; message: string }> {
      const now = clock.now();
      const link = await tokens.consume(token, 'change-email', now);
      if (!link?.newEmail) return { ok: false, message: 'This link has expired or was already used. Ask for a new one on your account page.' };
      const before = await users.findById(link.userId);
      if (!before) return { ok: false, message: 'This account no longer exists.' };
      if (!(await users.updateEmail(link.userId, link.newEmail, now.toISOString()))) return { ok: false, message: 'Another account now uses that address.' };
      // To the old address: the one an intruder who changed it cannot read.
      await mailer.queue({ to: before.email, userId: before.id, kind: 'email-changed', data: { name: before.name, newEmail: link.newEmail, at: now.toISOString() } });
      return { ok: true, email: link.newEmail };
    },

    /** Resolves when background work (reset lookups) has finished: for tests and shutdown. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
}

export type AccountEmailService = ReturnType<typeof accountEmailService>;
