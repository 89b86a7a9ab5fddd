import type { Db } from '../db/database.js';
import { personalAccountId } from '../shared/personal-account.js';
import { parseCountries, type MemberLimits } from './member-limits.js';

/**
 * The acting account: which accounts a user may pay from (their memberships) and which one they chose on the dial
 * page, remembered in users.paying_account_id. A user can only pay from an account they are a member of; anything
 * else looks like a missing account (callers answer 404).
 */

export interface PayingAccount {
  accountId: number;
  kind: 'personal' | 'team';
  /** "Personal" for the user's own account, else the team's name. */
  label: string;
  name: string;
  role: 'owner' | 'admin' | 'member';
  limits: MemberLimits;
}

interface MembershipRow {
  account_id: number;
  kind: 'personal' | 'team';
  name: string;
  role: PayingAccount['role'];
  spend_per_day_micros: number | string | null;
  spend_per_month_micros: number | string | null;
  max_concurrent_calls: number | null;
  allowed_countries: string | null;
}

const num = (v: number | string | null): number | null => (v === null || v === undefined ? null : Number(v));

function toPaying(row: MembershipRow): PayingAccount {
  return {
    accountId: Number(row.account_id),
    kind: row.kind,
    label: row.kind === 'personal' ? 'Personal' : row.name,
    name: row.name,
    role: row.role,
    limits: {
      spendPerDayMicros: num(row.spend_per_day_micros),
      spendPerMonthMicros: num(row.spend_per_month_micros),
      maxConcurrentCalls: row.max_concurrent_calls === null ? null : Number(row.max_concurrent_calls),
      allowedCountries: parseCountries(row.allowed_countries),
    },
  };
}

export type PayingAccounts = ReturnType<typeof payingAccounts>;

export function payingAccounts(db: Db) {
  const memberships = (userId: number) =>
    db('account_members')
      .join('accounts', 'accounts.id', 'account_members.account_id')
      .where('account_members.user_id', userId)
      .select<MembershipRow[]>('account_members.account_id', 'accounts.kind', 'accounts.name', 'account_members.role', 'account_members.spend_per_day_micros', 'account_members.spend_per_month_micros', 'account_members.max_concurrent_calls', 'account_members.allowed_countries');

  async function accountsOf(userId: number): Promise<PayingAccount[]> {
    let rows = (await memberships(userId)).map(toPaying);
    if (!rows.some((r) => r.kind === 'personal')) {
      await personalAccountId(db, userId);
      rows = (await memberships(userId)).map(toPaying);
    }
    // Personal first, then teams by name: the order the dial page offers them in.
    return rows.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) || a.accountId - b.accountId : a.kind === 'personal' ? -1 : 1));
  }

  async function membership(userId: number, accountId: number): Promise<PayingAccount | undefined> {
    const row = await memberships(userId).andWhere('account_members.account_id', accountId).first();
    return row ? toPaying(row as MembershipRow) : undefined;
  }

  return {
    accountsOf,
    membership,
    /** The account the user pays from: the one they chose while still a member of it, else their personal account (remembered: the user's payingAccountId when the caller has it). */
    async chosen(userId: number, remembered?: number | null): Promise<PayingAccount> {
      // A signed-in request already has the choice (User.payingAccountId, read with its session): no second users read.
      const choice = remembered !== undefined ? remembered : (await db('users').where({ id: userId }).first<{ paying_account_id: number | null } | undefined>('paying_account_id'))?.paying_account_id;
      if (choice != null) {
        const chosen = await membership(userId, Number(choice));
        if (chosen) return chosen;
      }
      // One read: the user's membership of their personal account. A user row written without one (a test
      // fixture inserting users directly) gets it created, then read again.
      const personal = await memberships(userId).andWhere('accounts.personal_user_id', userId).first();
      if (personal) return toPaying(personal as MembershipRow);
      return (await membership(userId, await personalAccountId(db, userId)))!;
    },
    /** Remembers the account to pay from; false (nothing changed) when the user is not a member of it. */
    async choose(userId: number, accountId: number): Promise<boolean> {
      if (!Number.isSafeInteger(accountId) || !(await membership(userId, accountId))) return false;
      await db('users').where({ id: userId }).update({ paying_account_id: accountId });
      return true;
    },
  };
}
