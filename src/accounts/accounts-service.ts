import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { FieldErrors } from '../http/forms.js';
import { retryMessage, type AttemptCounters, type LimitPolicy } from '../rate-limits/attempt-counters.js';
import type { PasswordHasher } from './passwords.js';
import type { SessionsRepository } from './sessions-repository.js';
import type { Role, User, UsersRepository } from './users-repository.js';

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter an email address like name@example.com' }).max(254, 'Email is too long'));
export const newPasswordField = z
  .string()
  .min(10, 'Use at least 10 characters')
  .max(200, 'Use at most 200 characters')
  .refine((v) => v.trim().length > 0, 'A password of only spaces is too easy to guess: use letters, digits or symbols too');

export const signUpForm = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(100, 'Use at most 100 characters'),
  email: emailField,
  password: newPasswordField,
});

export const logInForm = z.object({
  email: z.string().trim().toLowerCase().min(1, 'Enter your email'),
  password: z.string().min(1, 'Enter your password'),
});

export const changePasswordForm = z
  .object({
    current_password: z.string().min(1, 'Enter your current password'),
    new_password: newPasswordField,
    confirm_password: z.string(),
  })
  .refine((f) => f.new_password === f.confirm_password, { path: ['confirm_password'], message: 'The two new passwords differ' })
  .refine((f) => f.new_password !== f.current_password, { path: ['new_password'], message: 'Choose a password different from your current one' });

/** One message for unknown email and wrong password, so the form does not reveal who has an account. */
export const BAD_CREDENTIALS = 'Email or password is incorrect.';
/** Shown only after the right password, so it reveals nothing to someone guessing. */
export const ACCOUNT_DISABLED = 'This account has been disabled. Contact support if you think this is a mistake.';
export const DEMO_DISABLED = 'Demo accounts are switched off on this server because it places real calls through Twilio.';

const MINUTE = 60_000;
/** Failed log-ins from one address, whichever accounts they try. */
export const LOGIN_FAILURES_PER_ADDRESS: LimitPolicy = { name: 'login-address', limit: 30, windowMs: 15 * MINUTE };
/** Failed log-ins to one account from one address: the owner on another network is not locked out by them. */
export const LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS: LimitPolicy = { name: 'login-account-address', limit: 5, windowMs: 15 * MINUTE };
/** Failed log-ins to one account from anywhere: bounds guessing spread over many addresses. */
export const LOGIN_FAILURES_PER_ACCOUNT: LimitPolicy = { name: 'login-account', limit: 50, windowMs: 60 * MINUTE };
export const SIGNUPS_PER_ADDRESS: LimitPolicy = { name: 'signup-address', limit: 10, windowMs: 60 * MINUTE };
export const PASSWORD_CHANGE_FAILURES: LimitPolicy = { name: 'password-change', limit: 5, windowMs: 15 * MINUTE };

export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };
export type LogInOutcome = { ok: true; user: User } | { ok: false; reason: 'bad-credentials' | 'demo-disabled' | 'account-disabled' | 'limited'; message: string };

export interface AccountsDeps {
  users: UsersRepository;
  sessions: SessionsRepository;
  counters: AttemptCounters;
  hasher: PasswordHasher;
  clock: Clock;
  /** Accounts that may not log in (the demo accounts once real Twilio credentials are configured). */
  disabledEmails?: ReadonlySet<string>;
  /** Told after a password change (the email feature's security notice). */
  onPasswordChanged?: (userId: number) => Promise<void>;
}

export function accountsService(deps: AccountsDeps) {
  const { users, sessions, counters, hasher, clock } = deps;
  const disabled = deps.disabledEmails ?? new Set<string>();
  const now = () => clock.now().toISOString();
  // Verifying against a real hash when the email is unknown keeps both failures equally slow.
  let decoyHash: Promise<string> | undefined;
  const decoy = () => (decoyHash ??= hasher.hash('decoy-password-for-timing'));

  /**
   * Counts the attempt against every limit first (one atomic increment each), then refuses it if any is past its
   * limit: parallel attempts can never slip between a check and a record. The longest wait is the one to tell.
   */
  async function countAttempt(checks: Array<[LimitPolicy, string]>): Promise<number | undefined> {
    let retryInMs: number | undefined;
    for (const [policy, subject] of checks) {
      const state = await counters.consume(policy, subject);
      if (state.blocked) retryInMs = Math.max(retryInMs ?? 0, state.retryInMs);
    }
    return retryInMs;
  }

  return {
    /**
     * Creates the account, or (email taken) does the same work and creates nothing: the caller answers both alike,
     * so the form never reveals who has an account. Undefined when this address has signed up too often.
     */
    async signUp(input: z.infer<typeof signUpForm>, address: string, role: Role = 'user'): Promise<{ limited: false; created: User | undefined } | { limited: true; message: string }> {
      const limited = await counters.consume(SIGNUPS_PER_ADDRESS, address);
      if (limited.blocked) return { limited: true, message: `Too many sign-ups from your connection. ${retryMessage(limited.retryInMs)}` };
      const passwordHash = await hasher.hash(input.password);
      if (await users.findCredentialsByEmail(input.email)) return { limited: false, created: undefined };
      try {
        return { limited: false, created: await users.insert({ email: input.email, name: input.name, passwordHash, role }, now()) };
      } catch (err) {
        // Two sign-ups racing for one email: the unique index decides, the loser is answered like any taken email.
        if (await users.findCredentialsByEmail(input.email)) return { limited: false, created: undefined };
        throw err;
      }
    },

    /**
     * Checks a log-in. Every attempt is counted before the password is hashed (so parallel guesses cannot outrun the
     * limit); a right password takes its attempt back and clears this address's count for the account, so in effect
     * only failures count.
     */
    async logIn(email: string, password: string, address: string): Promise<LogInOutcome> {
      const normalized = email.trim().toLowerCase();
      const accountAtAddress = `${normalized} ${address}`;
      const retryInMs = await countAttempt([
        [LOGIN_FAILURES_PER_ADDRESS, address],
        [LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS, accountAtAddress],
        [LOGIN_FAILURES_PER_ACCOUNT, normalized],
      ]);
      if (retryInMs !== undefined) return { ok: false, reason: 'limited', message: `Too many failed log-ins. ${retryMessage(retryInMs)}` };
      const user = await this.authenticate(normalized, password);
      if (!user) return { ok: false, reason: 'bad-credentials', message: BAD_CREDENTIALS };
      await counters.reset(LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS, accountAtAddress);
      await counters.refund(LOGIN_FAILURES_PER_ADDRESS, address);
      await counters.refund(LOGIN_FAILURES_PER_ACCOUNT, normalized);
      if (disabled.has(user.email)) return { ok: false, reason: 'demo-disabled', message: DEMO_DISABLED };
      // Told only after the right password, so it reveals nothing to someone guessing.
      if (user.disabledAt) return { ok: false, reason: 'account-disabled', message: ACCOUNT_DISABLED };
      return { ok: true, user };
    },

    async authenticate(email: string, password: string): Promise<User | undefined> {
      const found = await users.findCredentialsByEmail(email.trim().toLowerCase());
      if (!found) {
        await hasher.verify(await decoy(), password);
        return undefined;
      }
      return (await hasher.verify(found.passwordHash, password)) ? found.user : undefined;
    },

    /** Sets a new password and ends every other session of the user (a thief's session ends with the old password). */
    async changePassword(userId: number, input: z.infer<typeof changePasswordForm>, currentSid: string): Promise<Outcome<true>> {
      // Counted before the hash is checked, and taken back when it is right: only wrong passwords count.
      const limited = await counters.consume(PASSWORD_CHANGE_FAILURES, String(userId));
      if (limited.blocked) return { ok: false, errors: { current_password: `Too many wrong passwords. ${retryMessage(limited.retryInMs)}` } };
      const hash = await users.passwordHashOf(userId);
      if (!hash || !(await hasher.verify(hash, input.current_password))) {
        return { ok: false, errors: { current_password: 'Current password is incorrect' } };
      }
      await counters.refund(PASSWORD_CHANGE_FAILURES, String(userId));
      await users.updatePassword(userId, await hasher.hash(input.new_password), now());
      await sessions.endOthers(userId, currentSid);
      await deps.onPasswordChanged?.(userId);
      return { ok: true, value: true };
    },

    /** Creates an admin, or promotes an existing account; used by the CLI and ADMIN_EMAIL on first start. */
    async ensureAdmin(email: string, password: string, name = 'Administrator'): Promise<{ user: User; created: boolean }> {
      const normalized = email.trim().toLowerCase();
      const existing = await users.findCredentialsByEmail(normalized);
      if (existing) {
        if (existing.user.role !== 'admin') await users.setRole(existing.user.id, 'admin', now());
        return { user: { ...existing.user, role: 'admin' }, created: false };
      }
      // Set up by the operator (CLI, ADMIN_EMAIL): nobody is waiting for a confirmation email.
      const at = now();
      const user = await users.insert({ email: normalized, name, passwordHash: await hasher.hash(password), role: 'admin', emailConfirmedAt: at }, at);
      return { user, created: true };
    },
  };
}

export type AccountsService = ReturnType<typeof accountsService>;
