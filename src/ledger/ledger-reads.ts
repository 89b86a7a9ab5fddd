import type { Db } from '../db/database.js';

/**
 * The money reads of pages and metrics that look across users (admin pages, the dashboard, /metrics): each one
 * aggregate or indexed read. Read-only; every write goes through Ledger and HoldLedger.
 */

/** The Prometheus gauge of open holds, named after the table it counts. */
export const OPEN_HOLDS_METRIC = 'callbridge_open_credit_holds';

export interface OpenHold {
  callSid: string;
  description: string | null;
  amountMicros: number;
  maxSeconds: number;
  createdAt: string;
}

/** Balance and held credit of each user asked for (users without a wallet are left out: they have 0). */
export async function walletBalances(db: Db, userIds: number[]): Promise<Map<number, { balanceMicros: number; heldMicros: number }>> {
  if (userIds.length === 0) return new Map();
  // Each user's own wallet: the one of their personal account.
  const rows: { user_id: number; balance_micros: number | string; held_micros: number | string }[] = await db('wallets')
    .join('accounts', 'accounts.id', 'wallets.account_id')
    .whereIn('accounts.personal_user_id', userIds)
    .select('accounts.personal_user_id as user_id', 'wallets.balance_micros', 'wallets.held_micros');
  return new Map(rows.map((r) => [Number(r.user_id), { balanceMicros: Number(r.balance_micros), heldMicros: Number(r.held_micros) }]));
}

/** A user's open holds, newest first (at most 20). */
export async function openHoldsOf(db: Db, userId: number): Promise<OpenHold[]> {
  const rows: { call_sid: string; description: string | null; amount_micros: number | string; max_seconds: number; created_at: string }[] = await db('credit_holds')
    .where({ user_id: userId, status: 'open' })
    .orderBy('id', 'desc')
    .limit(20)
    .select('call_sid', 'description', 'amount_micros', 'max_seconds', 'created_at');
  return rows.map((r) => ({ callSid: r.call_sid, description: r.description, amountMicros: Number(r.amount_micros), maxSeconds: Number(r.max_seconds), createdAt: r.created_at }));
}

/** The stored pricing terms of a call's hold (JSON), for the admin's per-leg view; undefined without a hold. */
export async function holdTermsJson(db: Db, callSid: string): Promise<string | undefined> {
  const hold = await db('credit_holds').where({ call_sid: callSid }).first<{ tariffs: string } | undefined>('tariffs');
  return hold?.tariffs;
}

/** Open holds across every user: how many, and the credit they reserve (for /metrics). */
export async function openHoldTotals(db: Db): Promise<{ count: number; heldMicros: number }> {
  const row = await db('credit_holds').where({ status: 'open' }).first<{ count: number | string; held: number | string | null }>(
    db.raw('count(*) as count'),
    db.raw('coalesce(sum(amount_micros), 0) as held'),
  );
  return { count: Number(row?.count ?? 0), heldMicros: Number(row?.held ?? 0) };
}

export interface MoneyFigures {
  /** Sum of every balance, and of credit held for calls. */
  balanceMicros: number;
  heldMicros: number;
  /** Call charges per UTC day since `since` (positive amounts), only days with charges. */
  chargesByDay: Map<string, number>;
  /** Holds settled since `since` with a charge: the charge, the hold's pricing terms (JSON) and the UTC day settled. */
  settledCharges: { chargeMicros: number; termsJson: string; day: string }[];
  /** Money in per UTC day since `since`: card top-ups credited (kind purchase) and reversed (refunds), positive. */
  purchasesByDay: Map<string, number>;
  refundsByDay: Map<string, number>;
}

const byDay = (db: Db, kind: string, since: string) =>
  db('ledger_entries')
    .where('kind', kind)
    .andWhere('created_at', '>=', since)
    .select(db.raw('substr(created_at, 1, 10) as day'))
    .sum({ amount: 'amount_micros' })
    .groupByRaw('substr(created_at, 1, 10)') as Promise<{ day: string; amount: number | string }[]>;

/** The admin dashboard's money figures since `since` (ISO). */
export async function moneyFigures(db: Db, since: string): Promise<MoneyFigures> {
  const [wallets, chargedByDay, settled, purchased, refunded] = await Promise.all([
    db('wallets').sum({ balance: 'balance_micros', held: 'held_micros' }).first(),
    db('ledger_entries')
      .where('kind', 'call_charge')
      .andWhere('created_at', '>=', since)
      .select(db.raw('substr(created_at, 1, 10) as day'))
      .sum({ charged: 'amount_micros' })
      .groupByRaw('substr(created_at, 1, 10)') as Promise<{ day: string; charged: number | string }[]>,
    db('credit_holds').where('settled_at', '>=', since).whereNotNull('charge_micros').select('charge_micros', 'tariffs', 'settled_at') as Promise<{ charge_micros: number | string; tariffs: string; settled_at: string }[]>,
    byDay(db, 'purchase', since),
    byDay(db, 'refund', since),
  ]);
  const w = wallets as Record<string, unknown> | undefined;
  return {
    balanceMicros: Number(w?.balance ?? 0),
    heldMicros: Number(w?.held ?? 0),
    chargesByDay: new Map(chargedByDay.map((r) => [r.day, -Number(r.charged)])),
    settledCharges: settled.map((h) => ({ chargeMicros: Number(h.charge_micros), termsJson: h.tariffs, day: String(h.settled_at).slice(0, 10) })),
    purchasesByDay: new Map(purchased.map((r) => [r.day, Number(r.amount)])),
    refundsByDay: new Map(refunded.map((r) => [r.day, -Number(r.amount)])),
  };
}
