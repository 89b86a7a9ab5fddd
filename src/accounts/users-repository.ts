import type { Db } from '../db/database.js';
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

    async insert(user: { email: string; name: string; passwordHash: string; role: Role; phoneE164?: string; phoneVerifiedAt?: string }, now: string): Promise<User> {
      const [row] = await db<UserRow>('users')
        .insert({
          email: user.email,
          name: user.name,
          password_hash: user.passwordHash,
          role: user.role,
          phone_e164: user.phoneE164 ?? null,
          phone_verified_at: user.phoneVerifiedAt ?? null,
          created_at: now,
          updated_at: now,
        })
        .returning('*');
      return toUser(row as UserRow);
    },

    async updatePassword(id: number, passwordHash: string, now: string): Promise<void> {
      await db('users').where({ id }).update({ password_hash: passwordHash, updated_at: now });
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
