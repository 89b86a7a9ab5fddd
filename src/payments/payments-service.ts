import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { recordAudit } from '../audit/audit-log.js';
import { formatMoney } from '../money/currency.js';
import type { Ledger } from '../ledger/ledger.js';
import { creditTopUp, reverseCredit, restoreCredit, walletOf } from './payment-credit.js';
import { personalAccountId } from '../shared/personal-account.js';
import type { Payment, PaymentFilter, PaymentsRepository } from './payments-repository.js';
import { fromMinorUnits, MAX_MINOR_UNITS, toMinorUnits } from './stripe-amounts.js';
import type { AutoTopUps } from './auto-top-up.js';

export interface TopUpLimits {
  presetMicros: number[];
  minMicros: number;
  maxMicros: number;
}

/** An event that arrived before what it confirms was recorded: Stripe should deliver it again later. */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** A refusal the person who asked can act on (the message names what is wrong). */
export class PaymentError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'PaymentError';
  }
}

export interface PaymentsServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  stripe: Stripe;
  repo: PaymentsRepository;
  /** Balances and their entries (the only writer of the money tables). */
  ledger: Ledger;
  currency: string;
  publicUrl: string;
  limits: TopUpLimits;
  /** The saved card and automatic top-up (its events are applied here too). */
  autoTopUps?: AutoTopUps | undefined;
  /** Emails about money (src/email's notices, named here so payments does not import it); none: no emails. */
  notices?: PaymentNotices | undefined;
  /** The user's role in an account (src/accounts' payingAccounts.membership, named here so payments does not import it). */
  membership?: ((userId: number, accountId: number) => Promise<{ kind: 'personal' | 'team'; role: 'owner' | 'admin' | 'member'; label: string } | undefined>) | undefined;
}

/** Who may add card credit to an account: anyone to their personal one; a team's owners and admins to the team's. */
export function mayTopUp(account: { kind: 'personal' | 'team'; role: 'owner' | 'admin' | 'member' }): boolean {
  return account.kind === 'personal' || account.role !== 'member';
}

/** What payments tells the user by email; each call is made once per change, after its transaction commits. */
export interface PaymentNotices {
  notify(userId: number, kind: 'top-up-receipt' | 'refund' | 'auto-top-up-failed', data: Record<string, unknown>): void;
  /** After credit lands outside a call: lets the next fall below the low-balance threshold be noticed again. */
  balanceChanged(userId: number): void;
}

/**
 * Card top-ups as Stripe's fulfilment guide says: a Checkout Session per top-up, credit only from signed events
 * (exactly once per session, whatever their number and order), refunds and disputes reversing credit in the same
 * transaction as their record.
 */
export class PaymentsService {
  constructor(private readonly deps: PaymentsServiceDeps) {}

  get limits(): TopUpLimits {
    return this.deps.limits;
  }

  get currency(): string {
    return this.deps.currency;
  }

  private money(micros: number): string {
    return formatMoney(micros, this.deps.currency);
  }

  private stamp(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * Creates the Checkout Session for a top-up and returns Stripe's page to send the buyer to. `accountId` is the
   * account the buyer pays from (default: their personal one): its wallet gets the credit. A team's members may not
   * top it up (only its owners and admins); an account the user is not in is refused the same way.
   */
  async startTopUp(userId: number, amountMicros: number, saveCardFor?: { email: string }, accountId?: number): Promise<{ url: string; publicId: string }> {
    const { limits, currency } = this.deps;
    const personal = await personalAccountId(this.deps.db, userId);
    const target = accountId ?? personal;
    if (target !== personal) {
      const account = await this.deps.membership?.(userId, target);
      if (!account) throw new PaymentError('You are not a member of that account.');
      if (!mayTopUp(account)) throw new PaymentError(`Only the owners and admins of ${account.label} can add credit to its wallet. Ask one of them, or choose Personal under "Pay from" on the dial page to top up your own.`);
      // A saved card is the buyer's own, for their personal automatic top-up; a team's top-up never saves it.
      saveCardFor = undefined;
    }
    if (amountMicros < limits.minMicros || amountMicros > limits.maxMicros) {
      throw new PaymentError(`Choose an amount from ${this.money(limits.minMicros)} to ${this.money(limits.maxMicros)}.`, 'amount');
    }
    const minor = toMinorUnits(amountMicros, currency);
    if (minor === undefined || minor > MAX_MINOR_UNITS) throw new PaymentError(`Enter an amount in whole ${currency === 'JPY' ? 'yen' : 'cents'}, such as 10.00.`, 'amount');
    const publicId = `tu_${randomUUID().replaceAll('-', '')}`;
    await this.deps.repo.insert({ publicId, userId, accountId: target, amountMicros, amountMinor: minor, currency, at: this.stamp() });
    const base = this.deps.publicUrl;
    try {
      // Saving the card: a Customer of ours, and Stripe keeps the card for payments made while the user is away.
      const customer = saveCardFor && this.deps.autoTopUps ? await this.deps.autoTopUps.customerFor(userId, saveCardFor.email) : undefined;
      const session = await this.deps.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: currency.toLowerCase(), unit_amount: minor, product_data: { name: `callbridge credit ${this.money(amountMicros)}` } } }],
          client_reference_id: String(userId),
          metadata: { topup_id: publicId, user_id: String(userId), account_id: String(target), purpose: 'callbridge credit top-up' },
          payment_intent_data: { metadata: { topup_id: publicId }, ...(customer ? { setup_future_usage: 'off_session' as const } : {}) },
          ...(customer ? { customer } : {}),
          success_url: `${base}/wallet/top-up/return?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${base}/wallet/top-up/${publicId}/cancel`,
        },
        // One key per top-up attempt: the SDK's own retries after a network error cannot open two sessions.
        { idempotencyKey: `topup-${publicId}` },
      );
      if (!session.url) throw new Error('Stripe returned a session without a payment page URL');
      await this.deps.repo.opened(publicId, session.id, this.stamp());
      return { url: session.url, publicId };
    } catch (err) {
      await this.deps.repo.remove(publicId);
      this.deps.logger.error({ err }, 'could not create a Stripe Checkout Session');
      throw new PaymentError('The card payment page is not reachable just now. Nothing was charged; try again in a minute.');
    }
  }

  /** Applies one verified Stripe event. Safe to call any number of times, in any order, concurrently. */
  async handleEvent(event: Stripe.Event): Promise<void> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        if (event.data.object.payment_status === 'paid') await this.fulfil(event.data.object);
        return;
      case 'checkout.session.expired':
      case 'checkout.session.async_payment_failed':
        await this.close(event.data.object, event.type === 'checkout.session.expired' ? 'expired' : 'failed');
        return;
      case 'refund.created':
      case 'refund.updated':
      case 'refund.failed':
        await this.confirmRefund(event.data.object);
        return;
      case 'charge.dispute.created':
        await this.disputeOpened(event.data.object);
        return;
      case 'charge.dispute.closed':
        await this.disputeClosed(event.data.object);
        return;
      case 'payment_method.attached':
        await this.deps.autoTopUps?.cardAttached(event.data.object);
        return;
      case 'payment_intent.succeeded':
        await this.deps.autoTopUps?.fulfilIntent(event.data.object);
        return;
      default:
        return;
    }
  }

  private async fulfil(session: Stripe.Checkout.Session): Promise<void> {
    const applied = await this.deps.db.transaction(async (trx) => {
      const where = session.metadata?.topup_id ? { public_id: session.metadata.topup_id } : { checkout_session_id: session.id };
      const payment = await this.deps.repo.lock(trx, where);
      if (!payment) {
        this.deps.logger.warn({ session: session.id }, 'Stripe completed a checkout session that is not one of our top-ups');
        return undefined;
      }
      if (payment.status === 'credited') return undefined;
      const matches = payment.checkoutSessionId === session.id && String(payment.userId) === session.client_reference_id && payment.amountMinor === session.amount_total && payment.currency.toLowerCase() === session.currency;
      if (!matches) {
        this.deps.logger.error({ session: session.id, topUp: payment.publicId }, 'a paid checkout session does not match its top-up (user, amount or currency): not credited');
        return undefined;
      }
      await creditTopUp(trx, this.deps.ledger, walletOf(payment), { amountMicros: payment.amountMicros, checkoutSessionId: session.id, description: `Card top-up ${this.money(payment.amountMicros)}` });
      const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
      await this.deps.repo.update(trx, payment.id, { status: 'credited', payment_intent_id: paymentIntent, credited_at: this.stamp(), updated_at: this.stamp() });
      return payment;
    });
    if (!applied) return;
    this.deps.logger.info({ session: session.id }, 'card top-up credited');
    // Only the transaction that moved the top-up to credited gets here, so the receipt goes once per top-up.
    await this.repayOwed(walletOf(applied), applied.publicId);
    await this.receipt(applied);
  }

  private async receipt(payment: Payment): Promise<void> {
    // The receipt goes to the payer, with the balance of the wallet they credited (a team's, when they paid for one).
    const balanceMicros = await this.deps.ledger.balance(walletOf(payment));
    this.deps.notices?.notify(payment.userId, 'top-up-receipt', { amountMicros: payment.amountMicros, at: this.stamp(), balanceMicros, reference: payment.publicId, receiptUrl: `${this.deps.publicUrl}/wallet/top-ups/${payment.publicId}` });
    // The low-balance notice and automatic top-up watch the personal wallet only.
    if (await this.isPersonal(payment)) this.deps.notices?.balanceChanged(payment.userId);
  }

  private async isPersonal(payment: Payment): Promise<boolean> {
    return payment.accountId === null || payment.accountId === (await personalAccountId(this.deps.db, payment.userId));
  }

  private async close(session: Stripe.Checkout.Session, status: 'expired' | 'failed'): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const payment = await this.deps.repo.lock(trx, { checkout_session_id: session.id });
      if (payment && (payment.status === 'open' || payment.status === 'creating')) await this.deps.repo.update(trx, payment.id, { status, updated_at: this.stamp() });
    });
  }

  /** The buyer left Stripe's page: the session is expired so it can no longer be paid. */
  async cancel(userId: number, publicId: string): Promise<Payment | undefined> {
    const payment = await this.deps.repo.byPublicId(publicId);
    if (!payment || payment.userId !== userId) return undefined;
    if (payment.status === 'open' && payment.checkoutSessionId) {
      try {
        await this.deps.stripe.checkout.sessions.expire(payment.checkoutSessionId);
      } catch (err) {
        // Already completed or expired: the events say which; nothing to undo here.
        this.deps.logger.info({ err, session: payment.checkoutSessionId }, 'could not expire a cancelled checkout session');
      }
    }
    return this.deps.repo.byPublicId(publicId);
  }

  async forUserBySession(userId: number, sessionId: string): Promise<Payment | undefined> {
    const payment = await this.deps.db('payments').where({ checkout_session_id: sessionId }).first('public_id');
    return payment ? this.forUser(userId, String(payment.public_id)) : undefined;
  }

  /** One of the user's top-ups; undefined for anyone else's (so routes answer 404). */
  async forUser(userId: number, publicId: string): Promise<Payment | undefined> {
    const payment = await this.deps.repo.byPublicId(publicId);
    return payment && payment.userId === userId ? payment : undefined;
  }

  /** The top-ups that credited the account (default: the user's personal one), whoever of its members paid. */
  async recentFor(userId: number, accountId: number | undefined, limit = 20) {
    return this.deps.repo.forAccount(accountId ?? (await personalAccountId(this.deps.db, userId)), limit);
  }

  creditedAccount(accountId: number) {
    return this.deps.repo.creditedAccount(accountId);
  }

  list(filter: PaymentFilter, page: number) {
    return this.deps.repo.list(filter, page);
  }

  byId(id: number) {
    return this.deps.repo.byId(id);
  }

  refundsOf(paymentId: number) {
    return this.deps.repo.refundsOf(paymentId);
  }

  /**
   * What an admin may still refund of a top-up: its credit not refunded or disputed, and no more than the user could
   * still spend (credit already used on calls is not given back as money).
   */
  async refundable(payment: Payment): Promise<number> {
    if (payment.status !== 'credited') return 0;
    const left = payment.amountMicros - payment.refundedMicros - payment.disputedMicros;
    const spendable = (await this.deps.ledger.summary(walletOf(payment))).availableMicros;
    return Math.max(0, Math.min(left, spendable));
  }

  /** Refunds part or all of a top-up: Stripe first, then the reversal, the refund row and the audit row in one transaction. */
  async refund(adminId: number, paymentId: number, amountMicros: number, reason: string): Promise<{ refundId: string }> {
    const payment = await this.deps.repo.byId(paymentId);
    if (!payment || payment.status !== 'credited' || !payment.paymentIntentId) throw new PaymentError('Only a credited card top-up can be refunded.');
    const minor = toMinorUnits(amountMicros, payment.currency);
    const max = await this.refundable(payment);
    if (minor === undefined || amountMicros <= 0) throw new PaymentError('Enter an amount in whole cents, more than zero.', 'amount');
    if (amountMicros > max) throw new PaymentError(`At most ${this.money(max)} of this top-up is unspent and can be refunded.`, 'amount');
    const refund = await this.deps.stripe.refunds.create({ payment_intent: payment.paymentIntentId, amount: minor, reason: 'requested_by_customer', metadata: { topup_id: payment.publicId } }, { idempotencyKey: `refund-${payment.publicId}-${payment.refundedMicros}-${amountMicros}` });
    await this.deps.db.transaction(async (trx) => {
      const locked = (await this.deps.repo.lock(trx, { id: payment.id }))!;
      const taken = await reverseCredit(trx, this.deps.ledger, walletOf(payment), { amountMicros, kind: 'refund', reference: refund.id, key: `stripe:${refund.id}`, description: `Refund of card top-up ${this.money(payment.amountMicros)}` });
      await this.deps.repo.update(trx, payment.id, { refunded_micros: locked.refundedMicros + amountMicros, owed_micros: locked.owedMicros + (amountMicros - taken), updated_at: this.stamp() });
      await this.deps.repo.insertRefund(trx, { paymentId: payment.id, refundId: refund.id, amountMicros, status: refund.status ?? 'pending', adminId, reason: reason || null, at: this.stamp() });
      await recordAudit(trx, this.deps.clock, { actorId: adminId, action: 'payment.refund', subject: `payment ${payment.id}`, summary: `Refunded ${this.money(amountMicros)} of top-up ${payment.publicId} (${refund.id})`, newValue: { refundId: refund.id, amountMicros, reason } });
    });
    return { refundId: refund.id };
  }

  /**
   * Stripe's word on a refund we made. Its event can arrive before our refund request has returned and its row is
   * written: then applying the event fails (RetryLaterError) and the stripe.event job tries again with backoff.
   */
  private async confirmRefund(refund: Stripe.Refund): Promise<void> {
    let updated = await this.deps.repo.confirmRefund(refund.id, refund.status ?? 'unknown', this.stamp());
    if (updated.changed === 0 && refund.metadata?.topup_id) {
      const known = await this.deps.db('payment_refunds').where({ refund_id: refund.id }).first('id');
      // The refund's transaction may have committed between the update above and this read: confirm it now.
      if (known) updated = await this.deps.repo.confirmRefund(refund.id, refund.status ?? 'unknown', this.stamp());
      else if (await this.deps.repo.byPublicId(refund.metadata.topup_id)) throw new RetryLaterError(`refund ${refund.id} is not recorded yet`);
    }
    // The first confirmation is claimed by one conditional update, so the notice goes once per refund.
    if (updated.first && refund.status !== 'failed' && refund.status !== 'canceled') await this.refundNotice(refund.id);
  }

  private async refundNotice(refundId: string): Promise<void> {
    const row = await this.deps.db('payment_refunds').join('payments', 'payments.id', 'payment_refunds.payment_id').where('payment_refunds.refund_id', refundId).first('payments.user_id', 'payments.account_id', 'payments.public_id', 'payment_refunds.amount_micros');
    if (!row) return;
    const userId = Number(row.user_id);
    const wallet = walletOf({ userId, accountId: row.account_id == null ? null : Number(row.account_id) });
    this.deps.notices?.notify(userId, 'refund', { amountMicros: Number(row.amount_micros), at: this.stamp(), balanceMicros: await this.deps.ledger.balance(wallet), reason: `It was a refund of your card top-up ${String(row.public_id)}; the card it was paid with gets it back within 5-10 days.` });
  }

  private async disputeOpened(dispute: Stripe.Dispute): Promise<void> {
    const paymentIntent = typeof dispute.payment_intent === 'string' ? dispute.payment_intent : dispute.payment_intent?.id;
    if (!paymentIntent) return;
    await this.deps.db.transaction(async (trx) => {
      const payment = await this.deps.repo.lock(trx, { payment_intent_id: paymentIntent });
      if (!payment || payment.disputeId === dispute.id || payment.status !== 'credited') return;
      const disputed = Math.min(fromMinorUnits(dispute.amount, payment.currency), payment.amountMicros - payment.refundedMicros);
      const taken = await reverseCredit(trx, this.deps.ledger, walletOf(payment), { amountMicros: disputed, kind: 'adjustment', reference: dispute.id, key: `stripe:${dispute.id}`, description: `Card payment disputed: ${this.money(disputed)} reversed` });
      await this.deps.repo.update(trx, payment.id, { dispute_id: dispute.id, dispute_status: dispute.status, disputed_micros: disputed, owed_micros: payment.owedMicros + (disputed - taken), charge_id: typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id, updated_at: this.stamp() });
    });
  }

  private async disputeClosed(dispute: Stripe.Dispute): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const payment = await this.deps.repo.lock(trx, { dispute_id: dispute.id });
      if (!payment || payment.disputeStatus === 'won' || payment.disputeStatus === 'lost') return;
      if (dispute.status === 'won') {
        // What was taken back is restored; what was recorded as owed is forgiven.
        const owedFromDispute = Math.min(payment.owedMicros, payment.disputedMicros);
        await restoreCredit(trx, this.deps.ledger, walletOf(payment), { amountMicros: payment.disputedMicros - owedFromDispute, reference: dispute.id, key: `stripe:${dispute.id}:won`, description: 'Dispute won: credit restored' });
        await this.deps.repo.update(trx, payment.id, { dispute_status: 'won', disputed_micros: 0, owed_micros: payment.owedMicros - owedFromDispute, updated_at: this.stamp() });
      } else {
        await this.deps.repo.update(trx, payment.id, { dispute_status: dispute.status, updated_at: this.stamp() });
      }
    });
  }

  /**
   * New credit first pays what the user owes from a reversed payment (a dispute that took back credit already spent),
   * oldest first: each owing payment is locked, then the wallet (the order a dispute takes), and the repayment's
   * ledger entry is keyed by the owing payment and the top-up that repays it, so running this twice takes nothing more.
   * Per account: a top-up of a team's wallet repays what the team's reversed top-ups left owing (a bare user id is
   * that user's personal account).
   */
  async repayOwed(wallet: number | { accountId: number; userId: number }, byTopUp: string): Promise<number> {
    const userId = typeof wallet === 'number' ? wallet : wallet.userId;
    const accountId = typeof wallet === 'number' ? await personalAccountId(this.deps.db, wallet) : wallet.accountId;
    const owing = (await this.deps.db('payments').where({ account_id: accountId }).andWhere('owed_micros', '>', 0).orderBy('id').select('id')) as Array<{ id: number }>;
    let repaid = 0;
    for (const { id } of owing) {
      repaid += await this.deps.db.transaction(async (trx) => {
        const payment = await this.deps.repo.lock(trx, { id: Number(id) });
        if (!payment || payment.owedMicros <= 0) return 0;
        const taken = await reverseCredit(trx, this.deps.ledger, { accountId, userId }, { amountMicros: payment.owedMicros, kind: 'adjustment', reference: payment.publicId, key: `repay:${payment.publicId}:${byTopUp}`, description: `Repaid what was owed from reversed card payment ${payment.publicId}` });
        if (taken > 0) await this.deps.repo.update(trx, payment.id, { owed_micros: payment.owedMicros - taken, updated_at: this.stamp() });
        return taken;
      });
    }
    if (repaid > 0) this.deps.logger.info({ userId, repaid, byTopUp }, 'a top-up repaid money owed');
    return repaid;
  }

  /** Whether the user's calls are on hold: an open dispute, or money owed after a refund or dispute. */
  async holdReason(userId: number): Promise<string | undefined> {
    const row = await this.deps.db('payments').where({ user_id: userId }).andWhere((q) => q.where('owed_micros', '>', 0).orWhereIn('dispute_status', ['needs_response', 'under_review', 'warning_needs_response', 'warning_under_review'])).first('public_id', 'dispute_status', 'owed_micros');
    if (!row) return undefined;
    return row.dispute_status && !['won', 'lost'].includes(String(row.dispute_status)) ? 'A card payment of yours is disputed with your bank.' : `You owe ${this.money(Number(row.owed_micros))} from a reversed card payment.`;
  }
}
