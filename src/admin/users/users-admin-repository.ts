import type { Db } from '../../db/database.js';
import { escapeLike, orWhereLike } from '../../db/like.js';
import { openHoldsOf, walletBalances, type OpenHold } from '../../ledger/ledger-reads.js';

export type { OpenHold };

export const USERS_PAGE_SIZE = 50;

export interface UserListRow {
  id: number;
  email: string;
  name: string;
  role: string;
  disabledAt: string | null;
  createdAt: string;
  balanceMicros: number;
  heldMicros: number;
}

interface ListRecord {
  id: number;
  email: string;
  name: string;
  role: string;
  disabled_at: string | null;
  created_at: string;
}

/** Reads for the admin's user pages: one page of users with their balances, and a user's open holds. */
export function usersAdminRepository(db: Db) {
  function filtered(q: string, status: string) {
    const query = db('users as u');
    if (q) {
      const contains = `%${escapeLike(q)}%`;
      query.where((w) => {
        orWhereLike(w, 'u.email', contains);
        orWhereLike(w, 'u.name', contains);
        if (/^\d{1,12}$/.test(q)) w.orWhere('u.id', Number(q));
      });
    }
    if (status === 'disabled') query.whereNotNull('u.disabled_at');
    if (status === 'held') query.whereNotNull('u.held_at');
    if (status === 'admin') query.where('u.role', 'admin');
    return query;
  }

  return {
    async page(q: string, status: string, page: number): Promise<{ rows: UserListRow[]; total: number; page: number; pages: number }> {
      const countRow = await filtered(q, status).count<{ n: number | string }[]>({ n: '*' }).first();
      const total = Number(countRow?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / USERS_PAGE_SIZE));
      const current = Math.min(Math.max(1, page), pages);
      const records: ListRecord[] = await filtered(q, status)
        .select('u.id', 'u.email', 'u.name', 'u.role', 'u.disabled_at', 'u.created_at')
        .orderBy('u.id', 'desc')
        .limit(USERS_PAGE_SIZE)
        .offset((current - 1) * USERS_PAGE_SIZE);
      const balances = await walletBalances(db, records.map((r) => Number(r.id)));
      return {
        rows: records.map((r) => ({
          id: Number(r.id),
          email: r.email,
          name: r.name,
          role: r.role,
          disabledAt: r.disabled_at,
          createdAt: r.created_at,
          balanceMicros: balances.get(Number(r.id))?.balanceMicros ?? 0,
          heldMicros: balances.get(Number(r.id))?.heldMicros ?? 0,
        })),
        total,
        page: current,
        pages,
      };
    },

    openHolds(userId: number): Promise<OpenHold[]> {
      return openHoldsOf(db, userId);
    },
  };
}

export type UsersAdminRepository = ReturnType<typeof usersAdminRepository>;
