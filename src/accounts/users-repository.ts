import type { Db } from '../db/database.js';
import { insertPersonalAccount } from '../shared/personal-account.js';
import { toUser, type Role, type User, type UserRow } from '../shared/user.js';

export { toUser, USER_COLUMNS, type Role, type User, type UserColumns, type UserRow } from '../shared/user.js';

export function usersRepository(db: Db) {
  return {
    async findById(id: number): Promise<User | undefined> {
      const row = await db<UserRow>('users').where({ id }).first();
      return row && toUser(row);
    },

    async findCredentialsByEmail(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
      const row = await db<UserRow>('users').where({ email }).first();
      return row && { user: toUser(row), passwordHash: row.password_hash };
    },

    async passwordHashOf(id: number): Promise<string | undefined> {
      const row = await db<UserRow>('users').where({ id }).first('password_hash');
      return row?.password_hash;
    },

    async insert(user: { email: string; name: string; passwordHash: string; role: Role; phoneE164?: string; phoneVerifiedAt?: string; emailConfirmedAt?: string }, now: string): Promise<User> {
      // The user's personal account (and its wallet's owner) commits with the user row, or neither does.
      return db.transaction(async (trx) => {
      const [row] = await trx<UserRow>('users')
        .insert({
          email: user.email,
          name: user.name,
          password_hash: user.passwordHash,
          role: user.role,
          phone_e164: user.phoneE164 ?? null,
          phone_verified_at: user.phoneVerifiedAt ?? null,
          email_confirmed_at: user.emailConfirmedAt ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning('*');
      const created = toUser(row as UserRow);
      await insertPersonalAccount(trx, created, now);
      return created;
      });
    },

    async updatePassword(id: number, passwordHash: string, now: string): Promise<void> {
      await db('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
    },

    /** Marks the address confirmed (the first confirmation wins; a later one keeps its time). */
    async confirmEmail(id: number, now: string): Promise<void> {
      await db('users').where({ id }).whereNull('email_confirmed_at').update({ email_confirmed_at: now, updated_at: now });
    },

    async updateName(id: number, name: string, now: string): Promise<void> {
      await db('users').where({ id }).update({ name, updated_at: now });
    },

    /** A confirmed change of address; false when another account took the address meanwhile (unique index). */
    async updateEmail(id: number, email: string, now: string): Promise<boolean> {
      try {
        await db('users').where({ id }).update({ email, email_confirmed_at: now, updated_at: now });
        return true;
      } catch (err) {
        if (await db('users').where({ email }).whereNot({ id }).first('id')) return false;
        throw err;
      }
    },

    async noticesOff(id: number): Promise<string[]> {
      const row = await db<UserRow>('users').where({ id }).first('email_notices_off');
      return row?.email_notices_off ? row.email_notices_off.split(',').filter(Boolean) : [];
    },

    async setNoticesOff(id: number, kinds: string[], now: string): Promise<void> {
      await db('users').where({ id }).update({ email_notices_off: [...new Set(kinds)].sort().join(','), updated_at: now });
    },

    /** Claims the low-balance notice for this crossing: true for exactly one caller until clearLowBalanceNotice. */
    async claimLowBalanceNotice(id: number, now: string): Promise<boolean> {
      return (await db('users').where({ id }).whereNull('low_balance_noticed_at').update({ low_balance_noticed_at: now })) === 1;
    },

    async clearLowBalanceNotice(id: number): Promise<void> {
      await db('users').where({ id }).whereNotNull('low_balance_noticed_at').update({ low_balance_noticed_at: null });
    },

    async setRole(id: number, role: Role, now: string): Promise<void> {
      await db('users').where({ id }).update({ role, updated_at: now });
    },

    async count(): Promise<number> {
      const row = await db('users').count<{ n: number | string }[]>({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },
  };
}

export type UsersRepository = ReturnType<typeof usersRepository>;
