import type { Knex } from 'knex';
import { isSqlite } from '../db/database.js';
import { formatDuration } from '../money/currency.js';
import { billedSeconds, callCost, legCost, type CallTariffs } from '../rating/leg-cost.js';
import { sizeHold } from '../rating/talk-limit.js';
import { defaultRatingPolicy, type RatingPolicy } from '../rating/rate.js';
import { InsufficientCreditError, isUniqueViolation, ledgerRow, lockWallet, periodOf, type LedgerInsert, type WalletContext, type WalletRow } from '../wallet/wallet-store.js';

export interface HoldRequest {
  userId: number;
  /** The call's unique key: Twilio's SID, or our own call id when the hold is taken before Twilio assigns one. */
  callSid: string;
  tariffs: CallTariffs;
  /** Seconds the first leg rings the destination before the bridge (the Dial timeout); billed on the first leg. */
  firstLegExtraSeconds?: number;
  /** Refuse the call unless the credit allows at least this much talk (default 1 s). */
  minimumSeconds?: number;
  /** An extra ceiling (e.g. a daily spend cap turned into seconds). */
  maxSeconds?: number;
  /** What the call was, for the ledger: e.g. "+44 20 7946 0958 (United Kingdom)". */
  description?: string;
}

export interface CallHold {
  callSid: string;
  userId: number;
  amountMicros: number;
  freeSeconds: number;
  /** The longest talk time this hold pays for: give it to Twilio as TimeLimit / timeLimit. */
  maxSeconds: number;
}

export interface SettleRequest {
  callSid: string;
  /** Answered seconds of the leg to the user's own phone (0 if never answered). */
  firstLegSeconds: number;
  /** Answered seconds of the bridged leg (0 for busy / no-answer / failed: the whole call is then free). */
  bridgedSeconds: number;
}

export interface Settlement {
  callSid: string;
  chargedMicros: number;
  freeSecondsUsed: number;
  /** Cost above what the balance could pay (a call that overran its limit); written off, never negative balance. */
  uncollectedMicros: number;
  /** True when this call had already been settled: nothing changed this time. */
  alreadySettled: boolean;
  /** The tariffs the call's hold was priced with (for its cost breakdown); always set by CallCredit.settle. */
  tariffs?: CallTariffs;
}

export class HoldNotFoundError extends Error {
  constructor(readonly callSid: string) {
    super(`No credit hold for call ${callSid}`);
    this.name = 'HoldNotFoundError';
  }
}

interface HoldRecord {
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

interface StoredTariffs {
  tariffs: CallTariffs;
  firstLegExtraSeconds: number;
  /** The longest call allowed whatever the credit; absent on holds taken before it was stored (the policy's maximum then). */
  ceilingSeconds?: number;
}

/** What a call's hold was priced with and pays for (see HoldBudget in call-limits.ts). */
export interface HoldTerms {
  tariffs: CallTariffs;
  amountMicros: number;
  freeSeconds: number;
  firstLegExtraSeconds: number;
  maxSeconds: number;
  ceilingSeconds: number;
  open: boolean;
}

/** Credit holds for calls: reserve before dialling, settle exactly once when the call ends. */
export class CallCredit {
  private readonly settledListeners: Array<(settlement: Settlement) => void> = [];

  constructor(
    private readonly ctx: WalletContext,
    private readonly policy: RatingPolicy = defaultRatingPolicy,
  ) {}

  /**
   * Atomically reserves credit for the longest call the available credit (plus unreserved free minutes) allows.
   * Throws InsufficientCreditError when that is shorter than minimumSeconds. The sum of open holds can never
   * exceed the balance: the wallet row is locked while we read and update it.
   * A retried request for the same call returns the first hold: call_sid is unique, so the insert fails and the
   * existing hold is read after the rollback (on Postgres the failed transaction can run nothing more).
   */
  async hold(request: HoldRequest): Promise<CallHold> {
    try {
      return await this.ctx.db.transaction(async (trx) => {
        const wallet = await lockWallet(trx, this.ctx, request.userId);
        const plan = planHold(wallet, request, this.policy);
        await trx('credit_holds').insert(holdRow(request, plan, this.ctx.clock.now().toISOString()));
        await trx('wallets').where({ user_id: request.userId }).update(plan.wallet);
        return plan.hold;
      });
    } catch (err) {
      // A retry whose first hold left too little credit for another is refused before its insert: it still gets the first hold.
      if (!isUniqueViolation(err) && !(err instanceof InsufficientCreditError)) throw err;
      const existing = await this.ctx.db<HoldRecord>('credit_holds').where({ call_sid: request.callSid }).first();
      if (!existing) throw err;
      return existingHold(existing, request.userId);
    }
  }

  /**
   * Replaces the hold with the real charge, once: the first settlement of a call SID charges, every later one
   * (duplicate callbacks, the reconciliation job) returns the same result and changes nothing.
   * Locks the hold, then the wallet (always in that order). On Postgres a concurrent settlement of the same call
   * waits on the hold's row lock and then reads its committed version, already settled; SQLite runs one
   * transaction at a time. Throws HoldNotFoundError for a call that never held credit.
   */
  async settle(request: SettleRequest): Promise<Settlement> {
    const settlement = await this.ctx.db.transaction(async (trx) => {
      const query = trx<HoldRecord>('credit_holds').where({ call_sid: request.callSid }).first();
      const hold = isSqlite(this.ctx.db) ? await query : await query.forUpdate();
      if (!hold) throw new HoldNotFoundError(request.callSid);
      if (hold.status === 'settled') return previousSettlement(hold);
      const wallet = await lockWallet(trx, this.ctx, Number(hold.user_id));
      return this.applySettlement(trx, wallet, hold, request);
    });
    for (const listener of this.settledListeners) listener(settlement);
    return settlement;
  }

  /** Hears every settlement once committed, repeats included (the metrics' money audit counters). */
  onSettled(listener: (settlement: Settlement) => void): void {
    this.settledListeners.push(listener);
  }

  /** A call that never connected (busy, no answer, failed): the hold is released and nothing is charged. */
  async release(callSid: string): Promise<Settlement> {
    return this.settle({ callSid, firstLegSeconds: 0, bridgedSeconds: 0 });
  }

  /** planHold with this service's rating policy. */
  plan(wallet: WalletRow, request: HoldRequest): HoldPlan {
    return planHold(wallet, request, this.policy);
  }

  /**
   * Creates the user's wallet if missing and renews a stale free-minute period, so that a hold planned from a plain
   * read of the row (see call-placement.ts) sees the wallet as a locked read would. Rare: once per user and month.
   */
  async openWallet(userId: number): Promise<void> {
    await this.ctx.db.transaction((trx) => lockWallet(trx, this.ctx, userId));
  }

  /** Whether this call still holds credit (not yet settled or released). */
  async isOpen(callSid: string): Promise<boolean> {
    const row = await this.ctx.db('credit_holds').where({ call_sid: callSid, status: 'open' }).first('call_sid');
    return row !== undefined;
  }

  /** What a call's hold was priced with: its tariffs, free seconds and pre-bridge seconds (for cost breakdowns). */
  async holdTerms(callSid: string): Promise<HoldTerms | undefined> {
    const hold = await this.ctx.db<HoldRecord>('credit_holds').where({ call_sid: callSid }).first();
    if (!hold) return undefined;
    const stored = JSON.parse(hold.tariffs) as StoredTariffs;
    return {
      tariffs: stored.tariffs,
      amountMicros: Number(hold.amount_micros),
      firstLegExtraSeconds: stored.firstLegExtraSeconds,
      freeSeconds: hold.free_seconds,
      maxSeconds: hold.max_seconds,
      ceilingSeconds: stored.ceilingSeconds ?? this.policy.maxCallSeconds,
      open: hold.status === 'open',
    };
  }

  /** Calls still holding credit (for the reconciliation job). */
  async openHolds(olderThan?: Date): Promise<{ callSid: string; userId: number; createdAt: string }[]> {
    const query = this.ctx.db('credit_holds').where({ status: 'open' }).select('call_sid', 'user_id', 'created_at');
    if (olderThan) query.andWhere('created_at', '<', olderThan.toISOString());
    const rows: { call_sid: string; user_id: number; created_at: string }[] = await query;
    return rows.map((r) => ({ callSid: r.call_sid, userId: Number(r.user_id), createdAt: r.created_at }));
  }

  /** Settles an open hold whose row and wallet this transaction has locked: one wallet write, one ledger insert. */
  private async applySettlement(trx: Knex.Transaction, wallet: WalletRow, hold: HoldRecord, request: SettleRequest): Promise<Settlement> {
    const { tariffs } = JSON.parse(hold.tariffs) as StoredTariffs;
    const { cost, freeUsed } = priceCall(tariffs, hold.free_seconds, request, this.policy);
    const heldAmount = Number(hold.amount_micros);
    // A call that started last month used last month's allowance: this month's (renewed since) stays whole.
    const sameMonth = periodOf(new Date(hold.created_at)) === wallet.free_period;
    const released: WalletRow = {
      ...wallet,
      held_micros: wallet.held_micros - heldAmount,
      free_seconds_held: Math.max(0, wallet.free_seconds_held - hold.free_seconds),
      free_seconds_left: sameMonth ? Math.max(0, wallet.free_seconds_left - freeUsed) : wallet.free_seconds_left,
    };
    const charged = Math.min(cost, released.balance_micros - released.held_micros);
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
      });
      entries.push(entry.row);
      after = entry.after;
    }
    if (charged > 0) {
      const entry = ledgerRow(this.ctx, after, {
        kind: 'call_charge',
        amountMicros: -charged,
        description: `Call${hold.description ? ` to ${hold.description}` : ''}, ${formatDuration(request.bridgedSeconds)}`,
        reference: hold.call_sid,
        idempotencyKey: `call:${hold.call_sid}`,
      });
      entries.push(entry.row);
      after = entry.after;
    }
    const updated = await trx('credit_holds')
      .where({ call_sid: hold.call_sid, status: 'open' })
      .update({ status: 'settled', charge_micros: charged, free_seconds_used: freeUsed, settled_at: stamp });
    if (updated !== 1) throw new Error(`hold ${hold.call_sid} changed under its lock`);
    // The hold released and the charge taken in one write of the wallet.
    await trx('wallets').where({ user_id: wallet.user_id }).update({
      balance_micros: after.balance_micros,
      held_micros: after.held_micros,
      free_seconds_held: after.free_seconds_held,
      free_seconds_left: after.free_seconds_left,
      updated_at: stamp,
    });
    // One insert for both rows (free minutes first, as before); ids follow the order of the rows.
    if (entries.length > 0) await trx('ledger_entries').insert(entries);
    return { callSid: hold.call_sid, chargedMicros: charged, freeSecondsUsed: freeUsed, uncollectedMicros: cost - charged, alreadySettled: false, tariffs };
  }
}

/** A hold worked out from a wallet as read: what it reserves, and the wallet's held columns once it is taken. */
export interface HoldPlan {
  hold: CallHold;
  /** The longest call allowed whatever the credit (stored with the hold: the settled talk limit never exceeds it). */
  ceilingSeconds: number;
  wallet: { held_micros: number; free_seconds_held: number };
}

/**
 * The longest call the wallet's available credit (plus unreserved free minutes) pays for, within the request's
 * ceilings. Throws InsufficientCreditError when that is shorter than the request's minimum. Pure: the caller makes
 * sure the wallet is still as read when it writes the plan (a row lock, or a statement checking every column read).
 */
export function planHold(wallet: WalletRow, request: HoldRequest, policy: RatingPolicy = defaultRatingPolicy): HoldPlan {
  const extra = request.firstLegExtraSeconds ?? 0;
  const available = wallet.balance_micros - wallet.held_micros;
  const ceiling = ceilingOf(request, policy);
  // Clamped: after a monthly renewal to a smaller allowance, last month's running calls may hold more than is left.
  const freeSeconds = Math.max(0, Math.min(wallet.free_seconds_left - wallet.free_seconds_held, ceiling));
  // The whole available credit is held (see rating/talk-limit.ts): a quick set-up leaves more of it for talking.
  const sized = sizeHold({ tariffs: request.tariffs, availableMicros: available, freeSeconds, worstSetupSeconds: extra, ceilingSeconds: ceiling, policy });
  const maxSeconds = sized.worstCaseTalkSeconds;
  const amount = sized.amountMicros;
  if (maxSeconds < (request.minimumSeconds ?? 1) || amount > available) {
    throw new InsufficientCreditError(available, callCost(request.tariffs, request.minimumSeconds ?? 1, extra, policy));
  }
  return {
    hold: { callSid: request.callSid, userId: request.userId, amountMicros: amount, freeSeconds, maxSeconds },
    ceilingSeconds: ceiling,
    wallet: { held_micros: wallet.held_micros + amount, free_seconds_held: wallet.free_seconds_held + freeSeconds },
  };
}

/** The longest call a hold may pay for, whatever the credit: the policy's maximum or the request's own ceiling. */
function ceilingOf(request: Pick<HoldRequest, 'maxSeconds'>, policy: RatingPolicy): number {
  return Math.min(policy.maxCallSeconds, request.maxSeconds ?? Infinity);
}

/** The credit_holds row for a planned hold. */
export function holdRow(request: HoldRequest, plan: HoldPlan, createdAt: string) {
  return {
    user_id: request.userId,
    call_sid: request.callSid,
    description: request.description?.slice(0, 200) ?? null,
    amount_micros: plan.hold.amountMicros,
    free_seconds: plan.hold.freeSeconds,
    max_seconds: plan.hold.maxSeconds,
    tariffs: JSON.stringify({ tariffs: request.tariffs, firstLegExtraSeconds: request.firstLegExtraSeconds ?? 0, ceilingSeconds: plan.ceilingSeconds } satisfies StoredTariffs),
    status: 'open' as const,
    created_at: createdAt,
  };
}

/**
 * The charge for a finished call. Free seconds cover the first part of the talk time (rounded up to the
 * destination's increments, so a 5 s call uses a free minute); both legs are billed for the rest.
 */
export function priceCall(tariffs: CallTariffs, freeSeconds: number, legs: Omit<SettleRequest, 'callSid'>, policy: RatingPolicy = defaultRatingPolicy): { cost: number; freeUsed: number } {
  if (legs.bridgedSeconds <= 0) return { cost: 0, freeUsed: 0 };
  const freeUsed = Math.min(freeSeconds, billedSeconds(tariffs.bridged, legs.bridgedSeconds, policy));
  const bridgedPaid = Math.max(0, legs.bridgedSeconds - freeUsed);
  if (bridgedPaid === 0) return { cost: 0, freeUsed };
  const firstPaid = Math.max(0, legs.firstLegSeconds - freeUsed);
  return { cost: legCost(tariffs.first, firstPaid, policy) + legCost(tariffs.bridged, bridgedPaid, policy), freeUsed };
}

/** Holding twice for one call (a retried request) returns the first hold rather than reserving again. */
function existingHold(hold: HoldRecord, userId: number): CallHold {
  if (Number(hold.user_id) !== userId || hold.status !== 'open') throw new Error(`call ${hold.call_sid} already has a hold`);
  return { callSid: hold.call_sid, userId, amountMicros: Number(hold.amount_micros), freeSeconds: hold.free_seconds, maxSeconds: hold.max_seconds };
}

function previousSettlement(hold: HoldRecord): Settlement {
  const { tariffs } = JSON.parse(hold.tariffs) as StoredTariffs;
  return {
    callSid: hold.call_sid,
    chargedMicros: Number(hold.charge_micros ?? 0),
    freeSecondsUsed: Number(hold.free_seconds_used ?? 0),
    uncollectedMicros: 0,
    alreadySettled: true,
    tariffs,
  };
}
