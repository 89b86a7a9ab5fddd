import type { Db } from '../db/database.js';

export type Role = 'user' | 'admin';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  phoneE164: string | null;
  phoneVerifiedAt: string | null;
  createdAt: string;
  /** Set by an admin: the account cannot log in, and its sessions are ended. */
  disabledAt?: string | null;
  /** Per-user limits set by an admin (null: none beyond the product's own); for the calls feature to enforce. */
  dailySpendCapMicros?: number | null;
  concurrentCallLimit?: number | null;
  /** When the user followed the confirmation link (null: not yet: they may look around but not call, verify a phone or pay). */
  emailConfirmedAt?: string | null;
}

/** A `users` row as the database returns it (also read by the session store's join, see DatabaseSessionStore.get). */
export interface UserRow {
  id: number;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  phone_e164: string | null;
  phone_verified_at: string | null;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
  daily_spend_cap_micros: number | string | null;
  concurrent_call_limit: number | null;
  email_confirmed_at: string | null;
  email_notices_off: string;
  low_balance_noticed_at: string | null;
}

/** The columns toUser reads: what a read that only needs to know who is asking selects (no password hash). */
export const USER_COLUMNS = ['id', 'email', 'name', 'role', 'phone_e164', 'phone_verified_at', 'created_at', 'disabled_at', 'daily_spend_cap_micros', 'concurrent_call_limit', 'email_confirmed_at'] as const;
export type UserColumns = Pick<UserRow, (typeof USER_COLUMNS)[number]>;

/** The one mapping from a `users` row to a User: bigints arrive as strings from PostgreSQL, hence Number(). */
export function toUser(row: UserColumns): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    phoneE164: row.phone_e164,
    phoneVerifiedAt: row.phone_verified_at,
    createdAt: row.created_at,
    disabledAt: row.disabled_at ?? null,
    dailySpendCapMicros: row.daily_spend_cap_micros === null || row.daily_spend_cap_micros === undefined ? null : Number(row.daily_spend_cap_micros),
    concurrentCallLimit: row.concurrent_call_limit ?? null,
    emailConfirmedAt: row.email_confirmed_at ?? null,
  };
}

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
      const [row] = await db<UserRow>('users')
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
      return toUser(row as UserRow);
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
