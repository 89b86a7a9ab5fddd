import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { isUniqueViolation } from '../db/unique-violation.js';
import { HoldNotFoundError, type HoldLimits, type HoldSettlement, type HoldTerms as LedgerHoldTerms, type NewHold, type SettlementCharge } from '../ledger/holds.js';
import type { Ledger } from '../ledger/ledger.js';
import { InsufficientCreditError, type WalletRow } from '../ledger/wallet-rows.js';
import { formatDuration } from '../money/currency.js';
import { billedSeconds, callCost, legCost, type CallTariffs } from '../rating/leg-cost.js';
import { paidTalkSeconds, sizeHold } from '../rating/talk-limit.js';
import { defaultRatingPolicy, type RatingPolicy } from '../rating/rate.js';

export { HoldNotFoundError };

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
  /** The account whose wallet holds the credit (set once the hold is taken). */
  accountId?: number;
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
  /** Answered seconds of the bridged leg (0 for busy / no-answer / failed: the call is then free, unless…). */
  bridgedSeconds: number;
  /** …the toll-fraud policy charges the user's own leg of an attempt that was not bridged (past the day's free ones). */
  chargeUnbridgedFirstLeg?: boolean;
}

/** A settlement, with the legs' seconds as billed (the reported ones, clamped to what the hold's limits allowed). */
export type Settlement = Omit<HoldSettlement, 'userId'> & { userId?: number; billedLegs: Omit<SettleRequest, 'callSid'> };

/** What a call's hold was priced with and pays for (see HoldBudget in call-limits.ts). */
export interface HoldTerms extends LedgerHoldTerms {
  /** The longest call allowed whatever the credit: the policy's maximum for holds taken before it was stored. */
  ceilingSeconds: number;
}

/** A hold worked out from a wallet as read: what it reserves, and the wallet's held columns once it is taken. */
export interface HoldPlan {
  hold: CallHold;
  /** The longest call allowed whatever the credit (stored with the hold: the settled talk limit never exceeds it). */
  ceilingSeconds: number;
  wallet: { held_micros: number; free_seconds_held: number };
}

/**
 * The calls feature's side of credit: it decides what a call holds and what it costs (pure rating logic below) and
 * the ledger (src/ledger/holds.ts) applies both, each in one transaction.
 */
export class CallCredit {
  private readonly settledListeners: Array<(settlement: Settlement) => void> = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly policy: RatingPolicy = defaultRatingPolicy,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  /**
   * Reserves credit for the longest call the available credit (plus unreserved free minutes) allows. Throws
   * InsufficientCreditError when that is shorter than minimumSeconds. A retried request for the same call returns
   * the first hold (call_sid is unique; the existing hold is read after the rollback).
   */
  async hold(request: HoldRequest): Promise<CallHold> {
    try {
      const held = await this.ledger.holds.hold(request.userId, ({ wallet }) => ({ kind: 'hold', hold: newHold(request, planHold(wallet, request, this.policy)) }));
      if (held.kind !== 'held') throw new Error('unreachable: this hold refuses nothing');
      return held.hold;
    } catch (err) {
      // A retry whose first hold left too little credit for another is refused before its insert: it still gets the first hold.
      if (!isUniqueViolation(err) && !(err instanceof InsufficientCreditError)) throw err;
      const existing = await this.ledger.holds.terms(request.callSid);
      if (!existing) throw err;
      if (existing.userId !== request.userId || !existing.open) throw new Error(`call ${request.callSid} already has a hold`);
      return { callSid: existing.callSid, accountId: existing.accountId, userId: existing.userId, amountMicros: existing.amountMicros, freeSeconds: existing.freeSeconds, maxSeconds: existing.maxSeconds };
    }
  }

  /**
   * Settles the call's hold once with what its legs cost (clamped to what its limits allowed); `alongside` runs in
   * the same transaction, first settlement or repeat. Throws HoldNotFoundError for a call that never held credit.
   */
  async settle(request: SettleRequest, alongside?: (trx: Knex.Transaction, settlement: Settlement) => Promise<void>): Promise<Settlement> {
    const billed = (settled: HoldSettlement): Settlement => ({ ...settled, billedLegs: clampLegs(settled.limits, request, settled.tariffs, this.policy) });
    const settled = await this.ledger.holds.settle(request.callSid, (terms) => this.charge(this.withCeiling(terms), request), alongside && ((trx, s) => alongside(trx, billed(s))));
    const settlement = billed(settled);
    for (const listener of this.settledListeners) listener(settlement);
    return settlement;
  }

  /** A call that never connected (busy, no answer, failed): the hold is released and nothing is charged. */
  release(callSid: string): Promise<Settlement> {
    return this.settle({ callSid, firstLegSeconds: 0, bridgedSeconds: 0 });
  }

  /** Hears every settlement once committed, repeats included (the metrics' money audit counters). */
  onSettled(listener: (settlement: Settlement) => void): void {
    this.settledListeners.push(listener);
  }

  /** planHold with this service's rating policy. */
  plan(wallet: WalletRow, request: HoldRequest): HoldPlan {
    return planHold(wallet, request, this.policy);
  }

  openWallet(userId: number): Promise<void> {
    return this.ledger.openWallet(userId);
  }

  isOpen(callSid: string): Promise<boolean> {
    return this.ledger.holds.isOpen(callSid);
  }

  /** What a call's hold was priced with: its tariffs, free seconds and pre-bridge seconds (for cost breakdowns). */
  async holdTerms(callSid: string): Promise<HoldTerms | undefined> {
    const terms = await this.ledger.holds.terms(callSid);
    return terms && this.withCeiling(terms);
  }

  private withCeiling(terms: LedgerHoldTerms): HoldTerms {
    return { ...terms, ceilingSeconds: terms.ceilingSeconds ?? this.policy.maxCallSeconds };
  }

  /** Calls still holding credit (for the reconciliation job). */
  openHolds(olderThan?: Date): Promise<{ callSid: string; userId: number; createdAt: string }[]> {
    return this.ledger.holds.openHolds(olderThan);
  }

  private charge(terms: HoldTerms, reported: SettleRequest): SettlementCharge {
    const legs = clampLegs(terms, reported, terms.tariffs, this.policy);
    if (legs.firstLegSeconds !== reported.firstLegSeconds || legs.bridgedSeconds !== reported.bridgedSeconds) {
      this.logger?.warn({ callId: terms.callSid, reported: { firstLegSeconds: reported.firstLegSeconds, bridgedSeconds: reported.bridgedSeconds }, billed: legs }, 'reported call duration beyond its limits: billed up to the limits');
    }
    const { cost, freeUsed } = priceCall(terms.tariffs, terms.freeSeconds, { ...legs, ...(reported.chargeUnbridgedFirstLeg ? { chargeUnbridgedFirstLeg: true } : {}) }, this.policy);
    // A call within its limits never costs more than its hold (test/rating/talk-limit.test.ts); legs clamped one by
    // one still could (the longest first leg with the longest talk), and the hold is all the call may spend.
    return { chargeMicros: Math.min(cost, terms.amountMicros), freeSecondsUsed: freeUsed, description: `Call${terms.description ? ` to ${terms.description}` : ''}, ${formatDuration(legs.bridgedSeconds)}` };
  }
}

/** The ledger's hold for a plan. */
export function newHold(request: HoldRequest, plan: HoldPlan): NewHold {
  return {
    callSid: request.callSid,
    description: request.description,
    amountMicros: plan.hold.amountMicros,
    freeSeconds: plan.hold.freeSeconds,
    maxSeconds: plan.hold.maxSeconds,
    terms: { tariffs: request.tariffs, firstLegExtraSeconds: request.firstLegExtraSeconds ?? 0, ceilingSeconds: plan.ceilingSeconds },
  };
}

/**
 * Each leg's billed seconds, at most what the call's limits let it last (see call-limits.ts). The bridged leg: the
 * talk the hold pays for with no set-up at all (the <Dial timeLimit> net is the paid talk at the set-up seen when
 * dialling, less the second Twilio may overrun it by; the exact cut comes earlier), and never less than the
 * worst-case talk T. The first leg: T + E (the REST TimeLimit, T + E less that second). A duration beyond them (a bad
 * or forged callback) is never billed; a call cut fairly is never clamped.
 */
export function clampLegs(limits: HoldLimits, legs: Omit<SettleRequest, 'callSid'>, tariffs: CallTariffs, policy: RatingPolicy = defaultRatingPolicy): Omit<SettleRequest, 'callSid'> {
  const whole = (seconds: number) => (Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0);
  const longestTalk = paidTalkSeconds({ tariffs, budgetMicros: limits.amountMicros, freeSeconds: limits.freeSeconds, setupSeconds: 0, ceilingSeconds: limits.ceilingSeconds ?? policy.maxCallSeconds, policy });
  return {
    firstLegSeconds: Math.min(whole(legs.firstLegSeconds), limits.maxSeconds + limits.firstLegExtraSeconds),
    bridgedSeconds: Math.min(whole(legs.bridgedSeconds), Math.max(limits.maxSeconds, longestTalk)),
  };
}

/**
 * The hold for a call: the whole available credit (plus unreserved free minutes), or what the longest allowed call
 * costs at the worst-case set-up when that is less (see rating/talk-limit.ts: a quick set-up leaves more of it for
 * talking). Throws InsufficientCreditError when the worst case pays for less than the request's minimum. Pure.
 */
export function planHold(wallet: WalletRow, request: HoldRequest, policy: RatingPolicy = defaultRatingPolicy): HoldPlan {
  const extra = request.firstLegExtraSeconds ?? 0;
  const available = wallet.balance_micros - wallet.held_micros;
  const ceiling = ceilingOf(request, policy);
  // Clamped: after a monthly renewal to a smaller allowance, last month's running calls may hold more than is left.
  const freeSeconds = Math.max(0, Math.min(wallet.free_seconds_left - wallet.free_seconds_held, ceiling));
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

/**
 * The charge for a finished call. Free seconds cover the first part of the talk time (rounded up to the
 * destination's increments, so a 5 s call uses a free minute); both legs are billed for the rest. A call that was
 * not bridged is free, unless the toll-fraud policy charges its own leg from the user's answer.
 */
export function priceCall(tariffs: CallTariffs, freeSeconds: number, legs: Omit<SettleRequest, 'callSid'>, policy: RatingPolicy = defaultRatingPolicy): { cost: number; freeUsed: number } {
  if (legs.bridgedSeconds <= 0) return { cost: legs.chargeUnbridgedFirstLeg ? legCost(tariffs.first, legs.firstLegSeconds, policy) : 0, freeUsed: 0 };
  const freeUsed = Math.min(freeSeconds, billedSeconds(tariffs.bridged, legs.bridgedSeconds, policy));
  const bridgedPaid = Math.max(0, legs.bridgedSeconds - freeUsed);
  if (bridgedPaid === 0) return { cost: 0, freeUsed };
  const firstPaid = Math.max(0, legs.firstLegSeconds - freeUsed);
  return { cost: legCost(tariffs.first, firstPaid, policy) + legCost(tariffs.bridged, bridgedPaid, policy), freeUsed };
}
