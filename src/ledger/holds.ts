import type { Knex } from 'knex';
import { isSqlite } from '../db/database.js';
import type { CallTariffs } from '../rating/leg-cost.js';
import { InsufficientCreditError, ledgerRow, lockWallet, periodOf, resolveOwner, type LedgerInsert, type WalletContext, type WalletOwner, type WalletRow } from './wallet-rows.js';

/** What a hold was priced with, stored with it so that its settlement prices the call the same way. */
export interface StoredTerms {
  tariffs: CallTariffs;
  firstLegExtraSeconds: number;
  /** The longest call allowed whatever the credit (absent on holds taken before it was stored). */
  ceilingSeconds?: number;
}

/** A hold as its caller decided it from the wallet (see HoldLedger.hold). */
export interface NewHold {
  /** The call's unique key: a second hold under the same key is refused by the unique index. */
  callSid: string;
  description?: string | undefined;
  amountMicros: number;
  freeSeconds: number;
  /** The longest talk time this hold pays for. */
  maxSeconds: number;
  terms: StoredTerms;
}

export interface HeldCredit {
  callSid: string;
  /** The account whose wallet holds the credit, and the member who made the call. */
  accountId: number;
  userId: number;
  amountMicros: number;
  freeSeconds: number;
  maxSeconds: number;
}

/** A hold as stored, for settlement, cost breakdowns and the answer webhook. */
export interface HoldTerms extends HeldCredit, StoredTerms {
  description: string | null;
  open: boolean;
  createdAt: string;
}

/** What the wallet looks like to a hold's decision: locked for the rest of the transaction. */
export interface HoldState {
  /** The account whose wallet is locked (a personal account when the hold was asked for a bare user id). */
  accountId: number;
  wallet: WalletRow;
  /** Call charges since `spentSince` (0 if none was asked for), as a positive amount. */
  spentMicros: number;
  /** Holds of this user not yet settled, when asked for (`countOpenHolds`). */
  openHolds?: number;
  /** The acting member's use of this account, when asked for (`member`): counted under the wallet's lock. */
  member?: MemberUsage;
}

/** What one member has used of an account: settled call charges plus open holds, since each period's start. */
export interface MemberUsage {
  spentTodayMicros: number;
  spentThisMonthMicros: number;
  /** The member's holds in this account not yet settled (their calls paid by it still running). */
  openHolds: number;
}

export type HoldDecision<R> =
  /** `alongside` runs in the hold's transaction after the hold is written (the calls feature inserts its call row). */
  | { kind: 'hold'; hold: NewHold; alongside?: (trx: Knex.Transaction) => Promise<void> }
  | { kind: 'refuse'; refusal: R };

/** What the caller decided a settled hold costs (pure rating logic, outside the ledger). */
export interface SettlementCharge {
  chargeMicros: number;
  freeSecondsUsed: number;
  /** The call charge's ledger description. */
  description: string;
}

export interface HoldSettlement {
  callSid: string;
  accountId: number;
  userId: number;
  chargedMicros: number;
  freeSecondsUsed: number;
  /** Cost above what the balance could pay; written off, never a negative balance. */
  uncollectedMicros: number;
  /** True when the hold had already been settled: nothing changed this time. */
  alreadySettled: boolean;
  tariffs: CallTariffs;
  /** The hold's limits: what it reserved, the worst-case talk it paid for, the first leg's seconds before the bridge. */
  limits: HoldLimits;
}

export interface HoldLimits {
  amountMicros: number;
  freeSeconds: number;
  maxSeconds: number;
  firstLegExtraSeconds: number;
  ceilingSeconds?: number | undefined;
}

export class HoldNotFoundError extends Error {
  constructor(readonly callSid: string) {
    super(`No credit hold for call ${callSid}`);
    this.name = 'HoldNotFoundError';
  }
}

interface HoldRecord {
  account_id: number;
  user_id: number;
  call_sid: string;
  description: string | null;
  amount_micros: number | string;
  free_seconds: number;
  max_seconds: number;
  tariffs: string;
  status: 'open' | 'settled';
  charge_micros: number | string | null;
  free_seconds_used: number | null;
  created_at: string;
}

/**
 * Credit holds: reserved under the wallet's lock before a call is dialled, settled exactly once when it ends. The
 * amounts are decided by the caller (the calls feature's rating); the ledger checks they fit and applies them.
 */
export class HoldLedger {
  constructor(private readonly ctx: WalletContext) {}

  /**
   * One transaction: locks the user's wallet (FOR UPDATE on PostgreSQL; SQLite runs one write transaction at a time),
   * reads what `decide` needs, and writes the hold it decides with the wallet's held credit and whatever `alongside`
   * adds. Parallel holds of one user therefore queue on the wallet row, so no two can spend the same credit or both
   * pass a limit counted here. Throws InsufficientCreditError if the decided hold does not fit the wallet.
   */
  async hold<R>(owner: WalletOwner, decide: (state: HoldState) => HoldDecision<R>, options: { spentSince?: string; countOpenHolds?: boolean; member?: { dayStart: string; monthStart: string } } = {}): Promise<{ kind: 'held'; hold: HeldCredit } | { kind: 'refused'; refusal: R }> {
    return this.ctx.db.transaction(async (trx) => {
      const resolved = await resolveOwner(trx, owner);
      const accountId = resolved.accountId;
      const userId = resolved.userId!;
      // Everything below is read after the account's wallet row is locked: parallel starts by any member of the
      // account queue here, and each sees the holds the ones before it committed (READ COMMITTED reads anew).
      const wallet = await lockWallet(trx, this.ctx, accountId);
      const spentMicros = options.spentSince === undefined ? 0 : await spentSince(trx, userId, options.spentSince);
      const openHolds = options.countOpenHolds ? await openHoldCount(trx, userId) : undefined;
      const member = options.member ? await memberUsage(trx, accountId, userId, options.member) : undefined;
      const decision = decide({ accountId, wallet, spentMicros, ...(openHolds === undefined ? {} : { openHolds }), ...(member ? { member } : {}) });
      if (decision.kind === 'refuse') return { kind: 'refused' as const, refusal: decision.refusal };
      const { hold } = decision;
      const available = wallet.balance_micros - wallet.held_micros;
      const freeAvailable = Math.max(0, wallet.free_seconds_left - wallet.free_seconds_held);
      if (!Number.isSafeInteger(hold.amountMicros) || hold.amountMicros < 0 || !Number.isInteger(hold.freeSeconds) || hold.freeSeconds < 0) throw new RangeError('a hold must be whole, non-negative micros and seconds');
      if (hold.amountMicros > available || hold.freeSeconds > freeAvailable) throw new InsufficientCreditError(available, hold.amountMicros);
      const stamp = this.ctx.clock.now().toISOString();
      await trx('credit_holds').insert(holdRow(accountId, userId, hold, stamp));
      await trx('wallets').where({ account_id: accountId }).update({ held_micros: wallet.held_micros + hold.amountMicros, free_seconds_held: wallet.free_seconds_held + hold.freeSeconds });
      await decision.alongside?.(trx);
      return { kind: 'held' as const, hold: { callSid: hold.callSid, accountId, userId, amountMicros: hold.amountMicros, freeSeconds: hold.freeSeconds, maxSeconds: hold.maxSeconds } };
    });
  }

  /**
   * Replaces the hold with the charge `price` decides from its terms, once: the first settlement of a call charges,
   * every later one returns the same result and changes nothing. Locks the hold, then the wallet (always in that
   * order); a concurrent settlement of the same call on PostgreSQL waits for the first and then finds it settled.
   * `alongside` runs in the same transaction, first settlement or repeat (the calls feature writes its call's cost),
   * so a call's ledger rows and its recorded cost commit together. Throws HoldNotFoundError for an unknown call.
   */
  async settle(callSid: string, price: (terms: HoldTerms) => SettlementCharge, alongside?: (trx: Knex.Transaction, settlement: HoldSettlement) => Promise<void>): Promise<HoldSettlement> {
    return this.ctx.db.transaction(async (trx) => {
      const query = trx<HoldRecord>('credit_holds').where({ call_sid: callSid }).first();
      const hold = isSqlite(this.ctx.db) ? await query : await query.forUpdate();
      if (!hold) throw new HoldNotFoundError(callSid);
      const settlement = hold.status === 'settled' ? previousSettlement(hold) : await this.applySettlement(trx, hold, price(toTerms(hold)));
      await alongside?.(trx, settlement);
      return settlement;
    });
  }

  /** A call that never connected: the hold is released and nothing is charged. */
  release(callSid: string): Promise<HoldSettlement> {
    return this.settle(callSid, () => ({ chargeMicros: 0, freeSecondsUsed: 0, description: '' }));
  }

  /** The hold of a call, open or settled. */
  async terms(callSid: string): Promise<HoldTerms | undefined> {
    const hold = await this.ctx.db<HoldRecord>('credit_holds').where({ call_sid: callSid }).first();
    return hold ? toTerms(hold) : undefined;
  }

  /** Whether this call still holds credit (not yet settled or released). */
  async isOpen(callSid: string): Promise<boolean> {
    const row = await this.ctx.db('credit_holds').where({ call_sid: callSid, status: 'open' }).first('call_sid');
    return row !== undefined;
  }

  /** Holds still open (for the reconciliation and hold-expiry jobs), optionally only those taken before `olderThan`. */
  async openHolds(olderThan?: Date): Promise<{ callSid: string; accountId: number; userId: number; createdAt: string }[]> {
    const query = this.ctx.db('credit_holds').where({ status: 'open' }).select('call_sid', 'account_id', 'user_id', 'created_at');
    if (olderThan) query.andWhere('created_at', '<', olderThan.toISOString());
    const rows: { call_sid: string; account_id: number; user_id: number; created_at: string }[] = await query;
    return rows.map((r) => ({ callSid: r.call_sid, accountId: Number(r.account_id), userId: Number(r.user_id), createdAt: r.created_at }));
  }

  /** Settles an open hold whose row this transaction has locked: one wallet write, one ledger insert. */
  private async applySettlement(trx: Knex.Transaction, hold: HoldRecord, charge: SettlementCharge): Promise<HoldSettlement> {
    if (!Number.isSafeInteger(charge.chargeMicros) || charge.chargeMicros < 0) throw new RangeError('a charge must be whole, non-negative micros');
    const wallet = await lockWallet(trx, this.ctx, Number(hold.account_id));
    const memberId = Number(hold.user_id);
    const { tariffs } = JSON.parse(hold.tariffs) as StoredTerms;
    const freeUsed = Math.max(0, Math.min(charge.freeSecondsUsed, hold.free_seconds));
    // A call that started last month used last month's allowance: this month's (renewed since) stays whole.
    const sameMonth = periodOf(new Date(hold.created_at)) === wallet.free_period;
    const released: WalletRow = {
      ...wallet,
      held_micros: wallet.held_micros - Number(hold.amount_micros),
      free_seconds_held: Math.max(0, wallet.free_seconds_held - hold.free_seconds),
      free_seconds_left: sameMonth ? Math.max(0, wallet.free_seconds_left - freeUsed) : wallet.free_seconds_left,
    };
    const charged = Math.min(charge.chargeMicros, released.balance_micros - released.held_micros);
    const stamp = this.ctx.clock.now().toISOString();
    const entries: LedgerInsert[] = [];
    let after = released;
    if (freeUsed > 0) {
      const entry = ledgerRow(this.ctx, after, {
        kind: 'free_minutes',
        amountMicros: 0,
        freeSeconds: freeUsed,
        description: `Free minutes used: ${Math.ceil(freeUsed / 60)} min`,
        reference: hold.call_sid,
        idempotencyKey: `free:${hold.call_sid}`,
      }, memberId);
      entries.push(entry.row);
      after = entry.after;
    }
    if (charged > 0) {
      const entry = ledgerRow(this.ctx, after, { kind: 'call_charge', amountMicros: -charged, description: charge.description, reference: hold.call_sid, idempotencyKey: `call:${hold.call_sid}` }, memberId);
      entries.push(entry.row);
      after = entry.after;
    }
    const updated = await trx('credit_holds')
      .where({ call_sid: hold.call_sid, status: 'open' })
      .update({ status: 'settled', charge_micros: charged, free_seconds_used: freeUsed, settled_at: stamp });
    if (updated !== 1) throw new Error(`hold ${hold.call_sid} changed under its lock`);
    // The hold released and the charge taken in one write of the wallet.
    await trx('wallets').where({ account_id: wallet.account_id }).update({
      balance_micros: after.balance_micros,
      held_micros: after.held_micros,
      free_seconds_held: after.free_seconds_held,
      free_seconds_left: after.free_seconds_left,
      updated_at: stamp,
    });
    // One insert for both rows (free minutes first); ids follow the order of the rows.
    if (entries.length > 0) await trx('ledger_entries').insert(entries);
    return { callSid: hold.call_sid, accountId: wallet.account_id, userId: memberId, chargedMicros: charged, freeSecondsUsed: freeUsed, uncollectedMicros: charge.chargeMicros - charged, alreadySettled: false, tariffs, limits: limitsOf(hold) };
  }
}

/** A user's call charges since `since` (ISO), in every account they paid from, as a positive amount. */
export async function spentSince(db: Knex | Knex.Transaction, userId: number, since: string): Promise<number> {
  const row = await db('ledger_entries')
    .where({ user_id: userId, kind: 'call_charge' })
    .andWhere('created_at', '>=', since)
    .first<{ total: number | string | null } | undefined>(db.raw('coalesce(sum(amount_micros), 0) as total'));
  // Charges are negative ledger amounts; `|| 0` keeps no spending a plain 0, not -0.
  return -Number(row?.total ?? 0) || 0;
}

async function openHoldCount(db: Knex.Transaction, userId: number): Promise<number> {
  const row = await db('credit_holds').where({ user_id: userId, status: 'open' }).count<{ n: number | string }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * One member's use of one account (the per-member limits): call charges settled since each period's start plus
 * what their open holds in the account reserve, and how many holds are open. Three indexed reads.
 */
async function memberUsage(db: Knex.Transaction, accountId: number, userId: number, since: { dayStart: string; monthStart: string }): Promise<MemberUsage> {
  const charges = (from: string) =>
    db('ledger_entries')
      .where({ account_id: accountId, user_id: userId, kind: 'call_charge' })
      .andWhere('created_at', '>=', from)
      .first<{ total: number | string | null } | undefined>(db.raw('coalesce(sum(amount_micros), 0) as total'));
  const [day, month, holds] = await Promise.all([
    charges(since.dayStart),
    charges(since.monthStart),
    db('credit_holds')
      .where({ account_id: accountId, user_id: userId, status: 'open' })
      .select('amount_micros', 'created_at') as Promise<{ amount_micros: number | string; created_at: string }[]>,
  ]);
  const heldSince = (from: string) => holds.filter((h) => h.created_at >= from).reduce((sum, h) => sum + Number(h.amount_micros), 0);
  return {
    spentTodayMicros: (-Number(day?.total ?? 0) || 0) + heldSince(since.dayStart),
    spentThisMonthMicros: (-Number(month?.total ?? 0) || 0) + heldSince(since.monthStart),
    openHolds: holds.length,
  };
}

function holdRow(accountId: number, userId: number, hold: NewHold, createdAt: string) {
  return {
    account_id: accountId,
    user_id: userId,
    call_sid: hold.callSid,
    description: hold.description?.slice(0, 200) ?? null,
    amount_micros: hold.amountMicros,
    free_seconds: hold.freeSeconds,
    max_seconds: hold.maxSeconds,
    tariffs: JSON.stringify({ tariffs: hold.terms.tariffs, firstLegExtraSeconds: hold.terms.firstLegExtraSeconds, ...(hold.terms.ceilingSeconds === undefined ? {} : { ceilingSeconds: hold.terms.ceilingSeconds }) } satisfies StoredTerms),
    status: 'open' as const,
    created_at: createdAt,
  };
}

function toTerms(hold: HoldRecord): HoldTerms {
  const stored = JSON.parse(hold.tariffs) as StoredTerms;
  return {
    callSid: hold.call_sid,
    accountId: Number(hold.account_id),
    userId: Number(hold.user_id),
    description: hold.description,
    amountMicros: Number(hold.amount_micros),
    freeSeconds: Number(hold.free_seconds),
    maxSeconds: Number(hold.max_seconds),
    tariffs: stored.tariffs,
    firstLegExtraSeconds: stored.firstLegExtraSeconds ?? 0,
    ...(stored.ceilingSeconds === undefined ? {} : { ceilingSeconds: stored.ceilingSeconds }),
    open: hold.status === 'open',
    createdAt: hold.created_at,
  };
}

function previousSettlement(hold: HoldRecord): HoldSettlement {
  const { tariffs } = JSON.parse(hold.tariffs) as StoredTerms;
  return {
    limits: limitsOf(hold),
    callSid: hold.call_sid,
    accountId: Number(hold.account_id),
    userId: Number(hold.user_id),
    chargedMicros: Number(hold.charge_micros ?? 0),
    freeSecondsUsed: Number(hold.free_seconds_used ?? 0),
    uncollectedMicros: 0,
    alreadySettled: true,
    tariffs,
  };
}

function limitsOf(hold: HoldRecord): HoldLimits {
  const { firstLegExtraSeconds, ceilingSeconds } = JSON.parse(hold.tariffs) as StoredTerms;
  return { amountMicros: Number(hold.amount_micros), freeSeconds: Number(hold.free_seconds), maxSeconds: Number(hold.max_seconds), firstLegExtraSeconds: firstLegExtraSeconds ?? 0, ceilingSeconds };
}
