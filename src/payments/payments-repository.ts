import type { Knex } from 'knex';
import { isSqlite, type Db } from '../db/database.js';

export type PaymentStatus = 'creating' | 'open' | 'credited' | 'expired' | 'failed';

export interface Payment {
  id: number;
  publicId: string;
  userId: number;
  /** The account whose wallet the top-up credits (and its refunds and disputes debit); null: the payer's personal account (rows from before teams without one). */
  accountId: number | null;
  status: PaymentStatus;
  amountMicros: number;
  amountMinor: number;
  currency: string;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  refundedMicros: number;
  disputedMicros: number;
  owedMicros: number;
  disputeId: string | null;
  disputeStatus: string | null;
  createdAt: string;
  creditedAt: string | null;
}

interface PaymentRow {
  id: number;
  public_id: string;
  user_id: number;
  account_id?: number | string | null;
  status: PaymentStatus;
  amount_micros: number | string;
  amount_minor: number;
  currency: string;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  charge_id: string | null;
  refunded_micros: number | string;
  disputed_micros: number | string;
  owed_micros: number | string;
  dispute_id: string | null;
  dispute_status: string | null;
  auto_crossing?: string | null;
  created_at: string;
  updated_at: string;
  credited_at: string | null;
}

function toPayment(r: PaymentRow): Payment {
  return {
    id: Number(r.id),
    publicId: r.public_id,
    userId: Number(r.user_id),
    accountId: r.account_id == null ? null : Number(r.account_id),
    status: r.status,
    amountMicros: Number(r.amount_micros),
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    checkoutSessionId: r.checkout_session_id,
    paymentIntentId: r.payment_intent_id,
    chargeId: r.charge_id,
    refundedMicros: Number(r.refunded_micros),
    disputedMicros: Number(r.disputed_micros),
    owedMicros: Number(r.owed_micros),
    disputeId: r.dispute_id,
    disputeStatus: r.dispute_status,
    createdAt: r.created_at,
    creditedAt: r.credited_at,
  };
}

export interface PaymentFilter {
  status?: PaymentStatus | undefined;
  userEmail?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** The payments and payment_refunds tables (money itself lives in the ledger). */
export function paymentsRepository(db: Db) {
  const lockable = (trx: Knex.Transaction, query: Knex.QueryBuilder) => (isSqlite(db) ? query : query.forUpdate());
  return {
    async insert(row: { publicId: string; userId: number; accountId: number; amountMicros: number; amountMinor: number; currency: string; at: string }): Promise<void> {
      await db('payments').insert({ public_id: row.publicId, user_id: row.userId, account_id: row.accountId, status: 'creating', amount_micros: row.amountMicros, amount_minor: row.amountMinor, currency: row.currency, created_at: row.at, updated_at: row.at });
    },
    async opened(publicId: string, sessionId: string, at: string): Promise<void> {
      await db('payments').where({ public_id: publicId }).update({ checkout_session_id: sessionId, status: 'open', updated_at: at });
    },
    /** An automatic top-up's row, keyed by its crossing (unique): a retried job finds it instead of making another. */
    async insertAuto(row: { publicId: string; userId: number; accountId: number; amountMicros: number; amountMinor: number; currency: string; crossing: string; at: string }): Promise<void> {
      await db('payments').insert({ public_id: row.publicId, user_id: row.userId, account_id: row.accountId, status: 'creating', amount_micros: row.amountMicros, amount_minor: row.amountMinor, currency: row.currency, auto_crossing: row.crossing, created_at: row.at, updated_at: row.at }).onConflict('auto_crossing').ignore();
    },
    async byAutoCrossing(crossing: string): Promise<Payment | undefined> {
      const row = await db<PaymentRow>('payments').where({ auto_crossing: crossing }).first();
      return row ? toPayment(row) : undefined;
    },
    /** Automatic top-ups started since `from` (ISO): the daily cap counts every attempt, declined ones too. */
    async autoTopUpsSince(userId: number, from: string): Promise<number> {
      const row = (await db('payments').where({ user_id: userId }).whereNotNull('auto_crossing').andWhere('created_at', '>=', from).count({ n: '*' }).first()) as { n: number | string } | undefined;
      return Number(row?.n ?? 0);
    },
    async setIntent(id: number, paymentIntentId: string, at: string): Promise<void> {
      await db('payments').where({ id, status: 'creating' }).update({ payment_intent_id: paymentIntentId, status: 'open', updated_at: at });
    },
    async remove(publicId: string): Promise<void> {
      await db('payments').where({ public_id: publicId, status: 'creating' }).delete();
    },
    async byPublicId(publicId: string): Promise<Payment | undefined> {
      const row = await db<PaymentRow>('payments').where({ public_id: publicId }).first();
      return row ? toPayment(row) : undefined;
    },
    async byId(id: number): Promise<Payment | undefined> {
      const row = await db<PaymentRow>('payments').where({ id }).first();
      return row ? toPayment(row) : undefined;
    },
    /** Locks the payment row for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite runs one writer at a time). */
    async lock(trx: Knex.Transaction, where: { public_id?: string; checkout_session_id?: string; payment_intent_id?: string; dispute_id?: string; id?: number }): Promise<Payment | undefined> {
      const row = (await lockable(trx, trx<PaymentRow>('payments').where(where).first())) as PaymentRow | undefined;
      return row ? toPayment(row) : undefined;
    },
    async update(trx: Knex.Transaction, id: number, changes: Record<string, unknown>): Promise<void> {
      await trx('payments').where({ id }).update(changes);
    },
    /** The top-ups that credited one account (whoever paid), newest first, with the payer's name: payments_account_idx. */
    async forAccount(accountId: number, limit = 20): Promise<Array<Payment & { payerName: string }>> {
      const rows = await db('payments').join('users', 'users.id', 'payments.user_id').where('payments.account_id', accountId).whereNot('payments.status', 'creating').orderBy('payments.id', 'desc').limit(limit).select('payments.*', { payer_name: 'users.name' });
      return (rows as Array<PaymentRow & { payer_name: string }>).map((r) => ({ ...toPayment(r), payerName: r.payer_name }));
    },
    /** The account a top-up credited, as the admin's payment page names it. */
    async creditedAccount(accountId: number): Promise<{ id: number; kind: 'personal' | 'team'; name: string } | undefined> {
      const row = await db('accounts').where({ id: accountId }).first<{ id: number; kind: 'personal' | 'team'; name: string } | undefined>('id', 'kind', 'name');
      return row ? { id: Number(row.id), kind: row.kind, name: row.name } : undefined;
    },
    async list(filter: PaymentFilter, page: number, perPage = 50): Promise<{ rows: Array<Payment & { email: string }>; total: number }> {
      const base = db('payments').join('users', 'users.id', 'payments.user_id').whereNot('payments.status', 'creating');
      if (filter.status) base.where('payments.status', filter.status);
      if (filter.userEmail) base.whereRaw('lower(users.email) = ?', [filter.userEmail.toLowerCase()]);
      if (filter.from) base.where('payments.created_at', '>=', filter.from);
      if (filter.to) base.where('payments.created_at', '<', filter.to);
      const countRow = await base.clone().count<{ n: number | string }[]>({ n: '*' }).first();
      const rows = await base.select('payments.*', 'users.email').orderBy('payments.id', 'desc').limit(perPage).offset((page - 1) * perPage);
      return { rows: (rows as Array<PaymentRow & { email: string }>).map((r) => ({ ...toPayment(r), email: r.email })), total: Number(countRow?.n ?? 0) };
    },
    async insertRefund(trx: Knex.Transaction, row: { paymentId: number; refundId: string; amountMicros: number; status: string; adminId: number | null; reason: string | null; at: string }): Promise<void> {
      await trx('payment_refunds').insert({ payment_id: row.paymentId, refund_id: row.refundId, amount_micros: row.amountMicros, status: row.status, admin_id: row.adminId, reason: row.reason, created_at: row.at });
    },
    /** `first`: this call made the first confirmation (one conditional update claims it); `changed`: rows touched. */
    async confirmRefund(refundId: string, status: string, at: string): Promise<{ first: boolean; changed: number }> {
      // A later event (refund.updated, refund.failed) may change the status again; the first confirmation time stays.
      const first = await db('payment_refunds').where({ refund_id: refundId }).whereNull('confirmed_at').update({ status, confirmed_at: at });
      return { first: first > 0, changed: first + (await db('payment_refunds').where({ refund_id: refundId }).whereNotNull('confirmed_at').whereNot({ status }).update({ status })) };
    },
    async refundsOf(paymentId: number): Promise<Array<{ refundId: string; amountMicros: number; status: string; createdAt: string; confirmedAt: string | null }>> {
      const rows = await db('payment_refunds').where({ payment_id: paymentId }).orderBy('id');
      return rows.map((r: Record<string, unknown>) => ({ refundId: String(r.refund_id), amountMicros: Number(r.amount_micros), status: String(r.status), createdAt: String(r.created_at), confirmedAt: (r.confirmed_at as string | null) ?? null }));
    },
  };
}

export type PaymentsRepository = ReturnType<typeof paymentsRepository>;
