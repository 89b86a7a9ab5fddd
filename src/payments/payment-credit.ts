import type { Knex } from 'knex';
import { appendEntry, lockWallet, type WalletContext } from '../wallet/wallet-store.js';

/**
 * The payments feature's only door to the wallet: each function runs inside the caller's transaction (the one that
 * records the payment change), so the balance, its ledger row and the payment row commit together. The ledger's
 * unique idempotency key (a Stripe id) is a second guard against applying anything twice.
 * TODO(ledger): when src/ledger lands, each body becomes one ledger call with the same reason and reference.
 */
export async function creditTopUp(trx: Knex.Transaction, ctx: WalletContext, userId: number, topUp: { amountMicros: number; checkoutSessionId: string; description: string }): Promise<void> {
  const wallet = await lockWallet(trx, ctx, userId);
  await appendEntry(trx, ctx, wallet, { kind: 'purchase', amountMicros: topUp.amountMicros, description: topUp.description, reference: topUp.checkoutSessionId, idempotencyKey: `stripe:${topUp.checkoutSessionId}` });
}

/** What a user could still spend of their balance right now (credit held for running calls excluded). */
export async function spendableMicros(trx: Knex.Transaction, ctx: WalletContext, userId: number): Promise<number> {
  const wallet = await lockWallet(trx, ctx, userId);
  return Math.max(0, wallet.balance_micros - wallet.held_micros);
}

/**
 * Takes up to `amountMicros` back out of the wallet, never below what running calls hold (so never below zero);
 * returns how much was taken. The caller records the rest as owed.
 */
export async function reverseCredit(trx: Knex.Transaction, ctx: WalletContext, userId: number, reversal: { amountMicros: number; kind: 'refund' | 'adjustment'; reference: string; key: string; description: string }): Promise<number> {
  const wallet = await lockWallet(trx, ctx, userId);
  const taken = Math.min(reversal.amountMicros, Math.max(0, wallet.balance_micros - wallet.held_micros));
  if (taken > 0) await appendEntry(trx, ctx, wallet, { kind: reversal.kind, amountMicros: -taken, description: reversal.description, reference: reversal.reference, idempotencyKey: reversal.key });
  return taken;
}

/** Gives credit back (a won dispute), with its Stripe reference. */
export async function restoreCredit(trx: Knex.Transaction, ctx: WalletContext, userId: number, restore: { amountMicros: number; reference: string; key: string; description: string }): Promise<void> {
  if (restore.amountMicros <= 0) return;
  const wallet = await lockWallet(trx, ctx, userId);
  await appendEntry(trx, ctx, wallet, { kind: 'adjustment', amountMicros: restore.amountMicros, description: restore.description, reference: restore.reference, idempotencyKey: restore.key });
}
