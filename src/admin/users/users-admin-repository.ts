import type { Db } from '../../db/database.js';
import { escapeLike, orWhereLike } from '../../db/like.js';

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

export interface OpenHold {
  callSid: string;
  description: string | null;
  amountMicros: number;
  maxSeconds: number;
  createdAt: string;
}

interface ListRecord {
  id: number;
  email: string;
  name: string;
  role: string;
  disabled_at: string | null;
  created_at: string;
  balance_micros: number | string | null;
  held_micros: number | string | null;
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
        .leftJoin('wallets as w', 'w.user_id', 'u.id')
        .select('u.id', 'u.email', 'u.name', 'u.role', 'u.disabled_at', 'u.created_at', 'w.balance_micros', 'w.held_micros')
        .orderBy('u.id', 'desc')
        .limit(USERS_PAGE_SIZE)
        .offset((current - 1) * USERS_PAGE_SIZE);
      return {
        rows: records.map((r) => ({
          id: Number(r.id),
          email: r.email,
          name: r.name,
          role: r.role,
          disabledAt: r.disabled_at,
          createdAt: r.created_at,
          balanceMicros: Number(r.balance_micros ?? 0),
          heldMicros: Number(r.held_micros ?? 0),
        })),
        total,
        page: current,
        pages,
      };
    },

    async openHolds(userId: number): Promise<OpenHold[]> {
      const rows: { call_sid: string; description: string | null; amount_micros: number | string; max_seconds: number; created_at: string }[] = await db('credit_holds')
        .where({ user_id: userId, status: 'open' })
        .orderBy('id', 'desc')
        .limit(20)
        .select('call_sid', 'description', 'amount_micros', 'max_seconds', 'created_at');
      return rows.map((r) => ({ callSid: r.call_sid, description: r.description, amountMicros: Number(r.amount_micros), maxSeconds: Number(r.max_seconds), createdAt: r.created_at }));
    },
  };
}

export type UsersAdminRepository = ReturnType<typeof usersAdminRepository>;
