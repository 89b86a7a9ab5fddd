import type { Knex } from 'knex';
import { systemClock } from '../clock.js';
import type { Db } from '../db/database.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { HoldLedger, spentSince } from './holds.js';
import {
  appendEntry,
  lockWallet,
  toLedgerEntry,
  type LedgerEntry,
  type LedgerKind,
  type LedgerRecord,
  type WalletContext,
  type WalletOwner,
  type WalletRef,
  type WalletRow,
  periodOf,
  resolveOwner,
} from './wallet-rows.js';

export interface WalletSummary {
  accountId: number;
  /** The user named in the request (for a bare user id: that user); null for an account read alone. */
  userId: number | null;
  balanceMicros: number;
  heldMicros: number;
  /** What a new call may use: balance minus credit held for calls in progress. Never negative. */
  availableMicros: number;
  /** Free seconds left this month that are not reserved by a running call. */
  freeSecondsAvailable: number;
  freePeriod: string;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  page: number;
  perPage: number;
  total: number;
  pages: number;
}

export type CreditKind = Exclude<LedgerKind, 'call_charge' | 'recording_charge' | 'free_minutes'>;

export interface CreditInput {
  /** The reason, as the ledger shows it. */
  kind: CreditKind;
  /** Positive adds credit; a negative amount is allowed for 'adjustment' and 'refund' reversals only. */
  amountMicros: number;
  description: string;
  /** What the entry is about, shown with it (a call id, a voucher code); not unique. */
  reference?: string;
  /**
   * The entry's unique reference (the ledger_entries.idempotency_key unique index): applying the same key again
   * changes nothing and returns the first entry (a payment id, a voucher, an admin form's submission).
   */
  idempotencyKey?: string;
}

/** Work done in a credit's transaction: `before` runs before the entry (and may refuse it by throwing), `after` once it is written. */
export interface CreditHooks {
  before?: (trx: Knex.Transaction) => Promise<void>;
  after?: (trx: Knex.Transaction, applied: { entry: LedgerEntry; balanceBeforeMicros: number }) => Promise<void>;
}

export interface AppliedCredit {
  entry: LedgerEntry;
  /** True when an entry with the same unique reference already existed: nothing changed this time. */
  repeated: boolean;
}

/** A unique reference already applied to another wallet. */
export class ReferenceInUseError extends Error {
  constructor() {
    super('that ledger reference belongs to another wallet');
    this.name = 'ReferenceInUseError';
  }
}

/**
 * The only writer and reader of wallets, credit holds and ledger entries: every balance change is one transaction
 * with its ledger row, under the wallet's lock, and a balance never goes below what is held (so never below zero).
 */
export class Ledger {
  readonly ctx: WalletContext;
  /** Credit holds for calls: hold, settle, release. */
  readonly holds: HoldLedger;

  constructor(deps: { db: Db; clock?: WalletContext['clock']; freeMinutesPerMonth?: number }) {
    this.ctx = { db: deps.db, clock: deps.clock ?? systemClock, freeMinutesPerMonth: deps.freeMinutesPerMonth ?? 0 };
    this.holds = new HoldLedger(this.ctx);
  }

  async summary(ref: WalletRef): Promise<WalletSummary> {
    const { accountId, userId } = await resolveOwner(this.ctx.db, ref);
    const wallet = await this.ctx.db.transaction((trx) => lockWallet(trx, this.ctx, accountId));
    return {
      accountId,
      userId,
      balanceMicros: wallet.balance_micros,
      heldMicros: wallet.held_micros,
      availableMicros: Math.max(0, wallet.balance_micros - wallet.held_micros),
      freeSecondsAvailable: Math.max(0, wallet.free_seconds_left - wallet.free_seconds_held),
      freePeriod: wallet.free_period,
    };
  }

  /**
   * The same figures as summary(), read without a lock or a write: for pages and previews, which must not turn
   * every page view into a write transaction. A wallet not created yet, or still on last month, reads as renewed.
   */
  async peek(ref: WalletRef): Promise<WalletSummary> {
    const { accountId, userId } = await resolveOwner(this.ctx.db, ref);
    const row = await this.ctx.db<WalletRow>('wallets').where({ account_id: accountId }).first();
    const period = periodOf(this.ctx.clock.now());
    const allowance = this.ctx.freeMinutesPerMonth * 60;
    const balance = Number(row?.balance_micros ?? 0);
    const held = Number(row?.held_micros ?? 0);
    const freeHeld = Number(row?.free_seconds_held ?? 0);
    const freeLeft = row && row.free_period === period ? Number(row.free_seconds_left) : allowance;
    return {
      accountId,
      userId,
      balanceMicros: balance,
      heldMicros: held,
      availableMicros: Math.max(0, balance - held),
      freeSecondsAvailable: Math.max(0, freeLeft - freeHeld),
      freePeriod: period,
    };
  }

  /** The balance (holds not taken off), or undefined for a user who has no wallet yet: one indexed read, no lock. */
  async balance(ref: WalletRef): Promise<number | undefined> {
    const { accountId } = await resolveOwner(this.ctx.db, ref);
    const row = await this.ctx.db<WalletRow>('wallets').where({ account_id: accountId }).first('balance_micros');
    return row ? Number(row.balance_micros) : undefined;
  }

  /**
   * The balance of a user's personal wallet, or undefined when `paidFrom` is some other account (a team's) or the
   * wallet is not created yet. One read either way: the personal account is joined, not looked up first.
   * `paidFrom` null or left out means the personal account (a call or payment from before teams).
   */
  async personalBalance(userId: number, paidFrom?: number | null): Promise<number | undefined> {
    const query = this.ctx.db<WalletRow>('wallets').join('accounts', 'accounts.id', 'wallets.account_id').where('accounts.personal_user_id', userId);
    if (paidFrom != null) query.andWhere('wallets.account_id', paidFrom);
    const row = await query.first<{ balance_micros: number | string } | undefined>('wallets.balance_micros');
    return row ? Number(row.balance_micros) : undefined;
  }

  /**
   * The monthly job: gives every wallet still on an earlier period this month's allowance. Idempotent (a second
   * run in the same month changes nothing), and wallets are also renewed lazily when next used, so a missed run
   * costs nobody their minutes. Returns how many wallets were renewed.
   */
  async resetFreeMinutes(): Promise<number> {
    const now = this.ctx.clock.now();
    const period = periodOf(now);
    return this.ctx.db('wallets')
      .whereNot({ free_period: period })
      .update({ free_seconds_left: this.ctx.freeMinutesPerMonth * 60, free_period: period, updated_at: now.toISOString() });
  }

  /** Creates the user's wallet if missing and renews a stale free-minute period. */
  async openWallet(ref: WalletRef): Promise<void> {
    const { accountId } = await resolveOwner(this.ctx.db, ref);
    await this.ctx.db.transaction((trx) => lockWallet(trx, this.ctx, accountId));
  }

  /** The account a WalletRef names (a bare user id: that user's personal account). */
  async accountOf(ref: WalletRef): Promise<number> {
    return (await resolveOwner(this.ctx.db, ref)).accountId;
  }

  /** Adds (or, for adjustments, removes) credit with its ledger entry in one transaction. */
  async credit(userId: WalletOwner, input: CreditInput, hooks: CreditHooks = {}): Promise<LedgerEntry> {
    return (await this.apply(userId, input, hooks)).entry;
  }

  /** Takes credit away (a positive amount is removed), e.g. an admin's correction; refused below what is held. */
  async debit(userId: WalletOwner, input: Omit<CreditInput, 'kind'> & { kind: 'adjustment' | 'refund' }, hooks: CreditHooks = {}): Promise<AppliedCredit> {
    if (input.amountMicros <= 0) throw new RangeError('a debit must remove credit');
    return this.apply(userId, { ...input, amountMicros: -input.amountMicros }, hooks);
  }

  /**
   * Applies a credit (or a negative adjustment) once per unique reference: a second apply of the same
   * idempotencyKey returns the first entry with `repeated` set, and runs no hook.
   */
  async apply(owner: WalletOwner, input: CreditInput, hooks: CreditHooks = {}): Promise<AppliedCredit> {
    const { accountId, userId } = await this.writer(this.ctx.db, owner);
    if (input.amountMicros <= 0 && input.kind !== 'adjustment' && input.kind !== 'refund') {
      throw new RangeError(`a ${input.kind} must add credit`);
    }
    if (input.idempotencyKey) {
      const earlier = await this.entryByKey(this.ctx.db, input.idempotencyKey);
      if (earlier) return this.repeatOf(accountId, earlier);
    }
    try {
      return await this.ctx.db.transaction(async (trx) => {
        await hooks.before?.(trx);
        const wallet = await lockWallet(trx, this.ctx, accountId);
        await appendEntry(trx, this.ctx, wallet, {
          kind: input.kind,
          amountMicros: input.amountMicros,
          description: input.description,
          reference: input.reference,
          idempotencyKey: input.idempotencyKey,
        }, userId);
        const entry = await this.lastEntry(trx, accountId);
        await hooks.after?.(trx, { entry, balanceBeforeMicros: wallet.balance_micros });
        return { entry, repeated: false };
      });
    } catch (err) {
      if (!input.idempotencyKey || !isUniqueViolation(err)) throw err;
      // The same reference applied concurrently: its transaction won, this one wrote nothing.
      const earlier = await this.entryByKey(this.ctx.db, input.idempotencyKey);
      if (!earlier) throw err;
      return this.repeatOf(accountId, earlier);
    }
  }

  /**
   * apply(), in the caller's transaction: the entry commits with whatever else the caller writes there (a payment
   * row, say), or not at all. Applied once per unique reference: when an entry with the same idempotencyKey exists
   * this writes nothing and returns it with `repeated` set. Callers serialise on their own record (locked first in
   * the same transaction); the unique index is the last guard, failing the caller's transaction on a race.
   */
  async applyWithin(trx: Knex.Transaction, owner: WalletOwner, input: CreditInput): Promise<AppliedCredit> {
    const { accountId, userId } = await this.writer(trx, owner);
    if (input.amountMicros <= 0 && input.kind !== 'adjustment' && input.kind !== 'refund') {
      throw new RangeError(`a ${input.kind} must add credit`);
    }
    if (input.idempotencyKey) {
      const earlier = await this.entryByKey(trx, input.idempotencyKey);
      if (earlier) return this.repeatOf(accountId, earlier);
    }
    const wallet = await lockWallet(trx, this.ctx, accountId);
    await appendEntry(trx, this.ctx, wallet, input, userId);
    return { entry: await this.lastEntry(trx, accountId), repeated: false };
  }

  /**
   * Takes back up to `amountMicros` in the caller's transaction, never below what running calls hold (so never
   * below zero): a refund or a dispute of credit already partly spent. Returns what was taken and what was not
   * (the caller records that as owed). Nothing is written when nothing can be taken; with an idempotencyKey
   * already applied it takes nothing more and reports the earlier entry's amount.
   */
  async debitUpToWithin(trx: Knex.Transaction, owner: WalletOwner, input: Omit<CreditInput, 'kind'> & { kind: 'adjustment' | 'refund' | 'recording_charge' }): Promise<{ takenMicros: number; owedMicros: number }> {
    if (!Number.isSafeInteger(input.amountMicros) || input.amountMicros <= 0) throw new RangeError('a debit must remove whole micros');
    const { accountId, userId } = await this.writer(trx, owner);
    if (input.idempotencyKey) {
      const earlier = await this.entryByKey(trx, input.idempotencyKey);
      if (earlier) {
        const taken = -this.repeatOf(accountId, earlier).entry.amountMicros;
        return { takenMicros: taken, owedMicros: input.amountMicros - taken };
      }
    }
    const wallet = await lockWallet(trx, this.ctx, accountId);
    const takenMicros = Math.min(input.amountMicros, Math.max(0, wallet.balance_micros - wallet.held_micros));
    if (takenMicros > 0) await appendEntry(trx, this.ctx, wallet, { ...input, amountMicros: -takenMicros }, userId);
    return { takenMicros, owedMicros: input.amountMicros - takenMicros };
  }

  /** A user's call charges since `since` (ISO), in every account they paid from, as a positive amount. */
  async spentSince(userId: number, since: string): Promise<number> {
    return spentSince(this.ctx.db, userId, since);
  }

  async ledger(ref: WalletRef, page = 1, perPage = 20): Promise<LedgerPage> {
    const { accountId } = await resolveOwner(this.ctx.db, ref);
    const safePerPage = Math.min(Math.max(1, Math.floor(perPage)), 200);
    const countRow = await this.ctx.db('ledger_entries').where({ account_id: accountId }).count<{ n: number | string }[]>({ n: '*' }).first();
    const total = Number(countRow?.n ?? 0);
    const pages = Math.max(1, Math.ceil(total / safePerPage));
    const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
    const rows = await this.ctx.db<LedgerRecord>('ledger_entries')
      .where({ account_id: accountId })
      .orderBy('id', 'desc')
      .limit(safePerPage)
      .offset((current - 1) * safePerPage);
    return { entries: rows.map(toLedgerEntry), page: current, perPage: safePerPage, total, pages };
  }

  /** Every entry, oldest first, in batches (for CSV export without loading a long history at once). */
  async *allEntries(ref: WalletRef, batch = 1000): AsyncGenerator<LedgerEntry> {
    const { accountId } = await resolveOwner(this.ctx.db, ref);
    let after = 0;
    for (;;) {
      const rows = await this.ctx.db<LedgerRecord>('ledger_entries').where({ account_id: accountId }).andWhere('id', '>', after).orderBy('id').limit(batch);
      for (const row of rows) yield toLedgerEntry(row);
      if (rows.length < batch) return;
      after = Number(rows[rows.length - 1]!.id);
    }
  }

  /** Call charges per UTC day for the last `days` days, oldest first, zero-filled (for the spend chart). */
  async dailySpend(ref: WalletRef, days = 30): Promise<{ day: string; spentMicros: number }[]> {
    const { accountId } = await resolveOwner(this.ctx.db, ref);
    const today = this.ctx.clock.now();
    const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
    const rows = await this.ctx.db<LedgerRecord>('ledger_entries')
      .where({ account_id: accountId, kind: 'call_charge' })
      .andWhere('created_at', '>=', start.toISOString())
      .select('amount_micros', 'created_at');
    const byDay = new Map<string, number>();
    for (const row of rows) byDay.set(row.created_at.slice(0, 10), (byDay.get(row.created_at.slice(0, 10)) ?? 0) - Number(row.amount_micros));
    return Array.from({ length: days }, (_, i) => {
      const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
      return { day, spentMicros: byDay.get(day) ?? 0 };
    });
  }

  /** Spend per member of an account since `since` (ISO): settled call charges, positive, by user id. */
  async spendByMember(accountId: number, since: string): Promise<Map<number, number>> {
    const rows: { user_id: number; total: number | string | null }[] = await this.ctx.db('ledger_entries')
      .where({ account_id: accountId, kind: 'call_charge' })
      .andWhere('created_at', '>=', since)
      .select('user_id')
      .sum({ total: 'amount_micros' })
      .groupBy('user_id');
    return new Map(rows.map((r) => [Number(r.user_id), -Number(r.total ?? 0) || 0]));
  }

  /** A write's account and member: an account write must name the member making it. */
  private async writer(db: Db, owner: WalletOwner): Promise<{ accountId: number; userId: number }> {
    const { accountId, userId } = await resolveOwner(db, owner);
    if (userId === null) throw new TypeError('a ledger write names the member making it');
    return { accountId, userId };
  }

  private async lastEntry(trx: Db, accountId: number): Promise<LedgerEntry> {
    const row = await trx<LedgerRecord>('ledger_entries').where({ account_id: accountId }).orderBy('id', 'desc').first();
    return toLedgerEntry(row!);
  }

  private async entryByKey(db: Db, key: string): Promise<LedgerEntry | undefined> {
    const row = await db<LedgerRecord>('ledger_entries').where({ idempotency_key: key }).first();
    return row ? toLedgerEntry(row) : undefined;
  }

  private repeatOf(accountId: number, entry: LedgerEntry): AppliedCredit {
    if (entry.accountId !== accountId) throw new ReferenceInUseError();
    return { entry, repeated: true };
  }
}
