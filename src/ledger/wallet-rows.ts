import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { isSqlite, type Db } from '../db/database.js';
import { personalAccountId } from '../shared/personal-account.js';

// The ledger's own rows: only src/ledger/ reads or writes wallets, credit_holds and ledger_entries.

export type LedgerKind = 'grant' | 'voucher' | 'purchase' | 'call_charge' | 'recording_charge' | 'refund' | 'adjustment' | 'free_minutes';
export const LEDGER_KINDS: readonly LedgerKind[] = ['grant', 'voucher', 'purchase', 'call_charge', 'recording_charge', 'refund', 'adjustment', 'free_minutes'];

export interface WalletRow {
  account_id: number;
  balance_micros: number;
  held_micros: number;
  free_seconds_left: number;
  free_seconds_held: number;
  free_period: string;
}

export interface LedgerEntry {
  id: number;
  /** The account whose wallet the entry moved. */
  accountId: number;
  /** The member who made it (for an account-wide credit: who applied it). */
  userId: number;
  kind: LedgerKind;
  amountMicros: number;
  balanceAfterMicros: number;
  freeSeconds: number;
  reference: string | null;
  description: string;
  createdAt: string;
}

export interface NewEntry {
  kind: LedgerKind;
  amountMicros: number;
  description: string;
  freeSeconds?: number;
  reference?: string | undefined;
  idempotencyKey?: string | undefined;
}

export interface WalletContext {
  db: Db;
  clock: Clock;
  /** Monthly allowance in minutes (config.money.freeMinutesPerMonth). */
  freeMinutesPerMonth: number;
}

export class InsufficientCreditError extends Error {
  constructor(readonly availableMicros: number, readonly neededMicros: number) {
    super(`Not enough credit: ${neededMicros} micros needed, ${availableMicros} available`);
    this.name = 'InsufficientCreditError';
  }
}

/**
 * Whose wallet: a bare number is a user id and means that user's personal account (every caller from before teams,
 * and everything a user does alone); `{ accountId, userId }` is an account's wallet with the member acting in it.
 */
export type WalletOwner = number | { accountId: number; userId: number };
/** A wallet to read: as WalletOwner, or an account alone (no member acts in a read). */
export type WalletRef = WalletOwner | { accountId: number; userId?: number | undefined };

export interface ResolvedOwner {
  accountId: number;
  /** The acting member; null for a read of an account alone. */
  userId: number | null;
}

/** The account (and acting member) a WalletOwner names. */
export async function resolveOwner(db: Knex | Knex.Transaction, owner: WalletRef): Promise<ResolvedOwner> {
  if (typeof owner === 'number') return { accountId: await personalAccountId(db, owner), userId: owner };
  return { accountId: owner.accountId, userId: owner.userId ?? null };
}

/** "2026-11": the period free minutes belong to (UTC). */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/**
 * Opens (creating if needed) and locks the user's wallet row for the rest of the transaction: FOR UPDATE on
 * Postgres; SQLite has one connection, so its transactions already run one at a time. The row is read first and
 * only created (insert on conflict do nothing, then read again) when missing, so the usual case is one statement.
 * A stale free-minute period is renewed here too, so a late monthly job never costs anyone their allowance.
 */
export async function lockWallet(trx: Knex.Transaction, ctx: WalletContext, accountId: number): Promise<WalletRow> {
  const now = ctx.clock.now();
  const period = periodOf(now);
  const stamp = now.toISOString();
  const select = () => {
    const query = trx('wallets').where({ account_id: accountId }).first<WalletRow | undefined>();
    return isSqlite(ctx.db) ? query : query.forUpdate();
  };
  let row = await select();
  if (!row) {
    // A concurrent first use may be inserting the same row: on Postgres the insert waits for it, then does nothing.
    await trx('wallets')
      .insert({ account_id: accountId, free_seconds_left: ctx.freeMinutesPerMonth * 60, free_period: period, created_at: stamp, updated_at: stamp })
      .onConflict('account_id')
      .ignore();
    row = await select();
  }
  const wallet = normaliseWallet(row);
  if (wallet.free_period !== period) {
    const renewed = { free_seconds_left: ctx.freeMinutesPerMonth * 60, free_period: period, updated_at: stamp };
    await trx('wallets').where({ account_id: accountId }).update(renewed);
    return { ...wallet, ...renewed };
  }
  return wallet;
}

function normaliseWallet(row: WalletRow | undefined): WalletRow {
  if (!row) throw new Error('wallet row vanished inside its transaction');
  return walletFromRow(row);
}

/** A wallet row as either engine returns it (PostgreSQL's bigints come back as strings), with numbers. */
export function walletFromRow(row: WalletRow): WalletRow {
  return {
    account_id: Number(row.account_id),
    balance_micros: Number(row.balance_micros),
    held_micros: Number(row.held_micros),
    free_seconds_left: Number(row.free_seconds_left),
    free_seconds_held: Number(row.free_seconds_held),
    free_period: row.free_period,
  };
}

/** A ledger row ready to insert (see ledgerRow). */
export interface LedgerInsert {
  account_id: number;
  user_id: number;
  kind: LedgerKind;
  amount_micros: number;
  balance_after_micros: number;
  free_seconds: number;
  reference: string | null;
  idempotency_key: string | null;
  description: string;
  created_at: string;
}

/**
 * The ledger row for an entry and the wallet as it will be after it, writing nothing: the caller inserts the row
 * and writes the new balance in the same transaction (which must hold the wallet lock). Refuses to take the
 * balance below what is held for running calls.
 */
export function ledgerRow(ctx: WalletContext, wallet: WalletRow, entry: NewEntry, userId: number): { row: LedgerInsert; after: WalletRow } {
  if (!Number.isSafeInteger(entry.amountMicros)) throw new RangeError('amount must be whole micros');
  const balance = wallet.balance_micros + entry.amountMicros;
  if (balance < wallet.held_micros) throw new InsufficientCreditError(wallet.balance_micros - wallet.held_micros, -entry.amountMicros);
  const row: LedgerInsert = {
    account_id: wallet.account_id,
    user_id: userId,
    kind: entry.kind,
    amount_micros: entry.amountMicros,
    balance_after_micros: balance,
    free_seconds: entry.freeSeconds ?? 0,
    reference: entry.reference ?? null,
    idempotency_key: entry.idempotencyKey ?? null,
    description: entry.description.slice(0, 200),
    created_at: ctx.clock.now().toISOString(),
  };
  return { row, after: { ...wallet, balance_micros: balance } };
}

/**
 * Appends a ledger entry and moves the cached balance by the same amount, inside the caller's transaction
 * (which must hold the wallet lock). Refuses to take the balance below what is held for running calls.
 */
export async function appendEntry(trx: Knex.Transaction, ctx: WalletContext, wallet: WalletRow, entry: NewEntry, userId: number): Promise<WalletRow> {
  const { row, after } = ledgerRow(ctx, wallet, entry, userId);
  await trx('ledger_entries').insert(row);
  if (entry.amountMicros !== 0) {
    await trx('wallets').where({ account_id: wallet.account_id }).update({ balance_micros: after.balance_micros, updated_at: row.created_at });
  }
  return after;
}

interface LedgerRecord {
  id: number;
  account_id: number;
  user_id: number;
  kind: LedgerKind;
  amount_micros: number | string;
  balance_after_micros: number | string;
  free_seconds: number;
  reference: string | null;
  idempotency_key?: string | null;
  description: string;
  created_at: string;
}

export function toLedgerEntry(r: LedgerRecord): LedgerEntry {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    userId: Number(r.user_id),
    kind: r.kind,
    amountMicros: Number(r.amount_micros),
    balanceAfterMicros: Number(r.balance_after_micros),
    freeSeconds: Number(r.free_seconds),
    reference: r.reference,
    description: r.description,
    createdAt: r.created_at,
  };
}

export type { LedgerRecord };
