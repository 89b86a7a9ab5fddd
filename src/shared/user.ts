/**
 * The signed-in user as every feature and the HTTP layer see it, and the one mapping from a `users` row. It lives
 * outside src/accounts/ because the session store (src/http/) reads the user in the same statement as the session;
 * src/accounts/users-repository.ts owns the writes.
 */
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
  /** The account the user chose to pay from (null: their personal account); read with the session, see src/accounts/paying-account.ts. */
  payingAccountId?: number | null;
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
  paying_account_id: number | null;
}

/** The columns toUser reads: what a read that only needs to know who is asking selects (no password hash). */
export const USER_COLUMNS = ['id', 'email', 'name', 'role', 'phone_e164', 'phone_verified_at', 'created_at', 'disabled_at', 'daily_spend_cap_micros', 'concurrent_call_limit', 'email_confirmed_at', 'paying_account_id'] as const;
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
    payingAccountId: row.paying_account_id == null ? null : Number(row.paying_account_id),
  };
}
