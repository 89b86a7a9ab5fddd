import type { Knex } from 'knex';
import type { Ledger } from '../ledger/ledger.js';
import type { WalletOwner } from '../ledger/wallet-rows.js';

/**
 * The payments feature's only door to the wallet, through the ledger: each function runs inside the caller's
 * transaction (the one that records the payment change), so the balance, its ledger row and the payment row commit
 * together. The ledger's unique reference (a Stripe id) is a second guard against applying anything twice.
 * The wallet is the payment's own (`walletOf`): the account the top-up credited, with its payer as the acting member,
 * so a refund or dispute of a team top-up debits the team even after the payer has left it.
 */
export function walletOf(payment: { userId: number; accountId: number | null }): WalletOwner {
  return payment.accountId === null ? payment.userId : { accountId: payment.accountId, userId: payment.userId };
}

/** Credits a paid top-up to its wallet, keyed by its Stripe id (exactly once). */
export async function creditTopUp(trx: Knex.Transaction, ledger: Ledger, userId: WalletOwner, topUp: { amountMicros: number; checkoutSessionId: string; description: string }): Promise<void> {
  await ledger.applyWithin(trx, userId, { kind: 'purchase', amountMicros: topUp.amountMicros, description: topUp.description, reference: topUp.checkoutSessionId, idempotencyKey: `stripe:${topUp.checkoutSessionId}` });
}

/**
 * Takes up to `amountMicros` back out of the wallet, never below what running calls hold (so never below zero);
 * returns how much was taken. The caller records the rest as owed.
 */
export async function reverseCredit(trx: Knex.Transaction, ledger: Ledger, userId: WalletOwner, reversal: { amountMicros: number; kind: 'refund' | 'adjustment'; reference: string; key: string; description: string }): Promise<number> {
  if (reversal.amountMicros <= 0) return 0;
  const { takenMicros } = await ledger.debitUpToWithin(trx, userId, { kind: reversal.kind, amountMicros: reversal.amountMicros, description: reversal.description, reference: reversal.reference, idempotencyKey: reversal.key });
  return takenMicros;
}

/** Gives credit back (a won dispute), with its Stripe reference. */
export async function restoreCredit(trx: Knex.Transaction, ledger: Ledger, userId: WalletOwner, restore: { amountMicros: number; reference: string; key: string; description: string }): Promise<void> {
  if (restore.amountMicros <= 0) return;
  await ledger.applyWithin(trx, userId, { kind: 'adjustment', amountMicros: restore.amountMicros, description: restore.description, reference: restore.reference, idempotencyKey: restore.key });
}
