import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { FieldErrors } from '../http/forms.js';
import type { PasswordHasher } from './passwords.js';
import type { Role, User, UsersRepository } from './users-repository.js';

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'Enter an email address like name@example.com' }).max(254, 'Email is too long'));
export const newPasswordField = z
  .string()
  .min(10, 'Use at least 10 characters')
  .max(200, 'Use at most 200 characters');

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
  .refine((f) => f.new_password === f.confirm_password, { path: ['confirm_password'], message: 'The two new passwords differ' });

/** One message for unknown email and wrong password, so the form does not reveal who has an account. */
export const BAD_CREDENTIALS = 'Email or password is incorrect.';
/** Shown only after the right password, so it reveals nothing to someone guessing. */
export const ACCOUNT_DISABLED = 'This account has been disabled. Contact support if you think this is a mistake.';

export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export function accountsService(deps: { users: UsersRepository; hasher: PasswordHasher; clock: Clock }) {
  const { users, hasher, clock } = deps;
  const now = () => clock.now().toISOString();
  // Verifying against a real hash when the email is unknown keeps both failures equally slow.
  let decoyHash: Promise<string> | undefined;
  const decoy = () => (decoyHash ??= hasher.hash('decoy-password-for-timing'));

  return {
    async signUp(input: z.infer<typeof signUpForm>, role: Role = 'user'): Promise<Outcome<User>> {
      if (await users.findCredentialsByEmail(input.email)) {
        return { ok: false, errors: { email: 'An account with this email already exists. Log in instead.' } };
      }
      const passwordHash = await hasher.hash(input.password);
      try {
        return { ok: true, value: await users.insert({ email: input.email, name: input.name, passwordHash, role }, now()) };
      } catch (err) {
        // Two sign-ups racing for one email: the unique index decides, the loser gets the same message.
        if (await users.findCredentialsByEmail(input.email)) {
          return { ok: false, errors: { email: 'An account with this email already exists. Log in instead.' } };
        }
        throw err;
      }
    },

    async authenticate(email: string, password: string): Promise<User | undefined> {
      const found = await users.findCredentialsByEmail(email.trim().toLowerCase());
      if (!found) {
        await hasher.verify(await decoy(), password);
        return undefined;
      }
      return (await hasher.verify(found.passwordHash, password)) ? found.user : undefined;
    },

    async changePassword(userId: number, input: z.infer<typeof changePasswordForm>): Promise<Outcome<true>> {
      const hash = await users.passwordHashOf(userId);
      if (!hash || !(await hasher.verify(hash, input.current_password))) {
        return { ok: false, errors: { current_password: 'Current password is incorrect' } };
      }
      await users.updatePassword(userId, await hasher.hash(input.new_password), now());
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
      const user = await users.insert({ email: normalized, name, passwordHash: await hasher.hash(password), role: 'admin' }, now());
      return { user, created: true };
    },
  };
}

export type AccountsService = ReturnType<typeof accountsService>;
