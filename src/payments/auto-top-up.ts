import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { Ledger } from '../ledger/ledger.js';
import { personalAccountId } from '../shared/personal-account.js';
import { formatMoney } from '../money/currency.js';
import { creditTopUp, walletOf } from './payment-credit.js';
import type { PaymentsRepository } from './payments-repository.js';
import type { PaymentNotices, TopUpLimits } from './payments-service.js';
import { toMinorUnits } from './stripe-amounts.js';

/** At most this many automatic top-ups per user per UTC day, whatever the crossings (a runaway loop costs little). */
export const AUTO_TOP_UPS_PER_DAY = 3;
/** Declined or authentication-required attempts in a row before automatic top-up pauses until the user acts. */
export const AUTO_TOP_UP_MAX_FAILURES = 3;

export interface AutoTopUpSettings {
  userId: number;
  customerId: string;
  paymentMethodId: string | null;
  card: { brand: string; last4: string } | null;
  enabled: boolean;
  thresholdMicros: number;
  amountMicros: number;
  failures: number;
  pausedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

interface Row {
  user_id: number;
  customer_id: string;
  payment_method_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  enabled: boolean | number;
  threshold_micros: number | string;
  amount_micros: number | string;
  failures: number | string;
  paused_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

const toSettings = (r: Row): AutoTopUpSettings => ({
  userId: Number(r.user_id),
  customerId: r.customer_id,
  paymentMethodId: r.payment_method_id,
  card: r.payment_method_id && r.card_last4 ? { brand: r.card_brand ?? 'card', last4: r.card_last4 } : null,
  enabled: Boolean(r.enabled),
  thresholdMicros: Number(r.threshold_micros),
  amountMicros: Number(r.amount_micros),
  failures: Number(r.failures),
  pausedAt: r.paused_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
});

export interface AutoTopUpDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  stripe: Stripe;
  repo: PaymentsRepository;
  ledger: Ledger;
  currency: string;
  limits: TopUpLimits;
  notices?: PaymentNotices | undefined;
  /** After an automatic top-up is credited: pays what the user owes first (PaymentsService.repayOwed). */
  afterCredit?: ((userId: number, publicId: string) => Promise<unknown>) | undefined;
  /** Queues the payments.auto-top-up job for a claimed crossing; absent, it runs in the background. */
  schedule?: ((userId: number, crossing: number) => Promise<void>) | undefined;
}

/**
 * The saved card and "when my balance falls below X, add Y", charged off-session (stripe-behavior.md §3): a
 * settlement that takes the balance below X claims the crossing (one conditional update), a job charges the saved
 * card with a PaymentIntent (off_session, confirm) under a key made of the crossing, so a retried job never charges
 * twice; credit goes through the same ledger door as a checkout top-up, keyed by the PaymentIntent.
 */
export function autoTopUps(deps: AutoTopUpDeps) {
  const { db, clock, logger } = deps;
  const stamp = () => clock.now().toISOString();
  const money = (micros: number) => formatMoney(micros, deps.currency);
  const background = new Set<Promise<void>>();

  async function settings(userId: number): Promise<AutoTopUpSettings | undefined> {
    const row = (await db('auto_top_ups').where({ user_id: userId }).first()) as Row | undefined;
    return row && toSettings(row);
  }

  /** The user's settings when `paidFrom` is their personal account (or null): one read, joined, nothing for a team. */
  async function settingsIfPersonal(userId: number, paidFrom: number | null | undefined): Promise<AutoTopUpSettings | undefined> {
    if (paidFrom == null) return settings(userId);
    const row = (await db('auto_top_ups')
      .join('accounts', 'accounts.personal_user_id', 'auto_top_ups.user_id')
      .where({ 'auto_top_ups.user_id': userId, 'accounts.id': paidFrom })
      .first('auto_top_ups.*')) as Row | undefined;
    return row && toSettings(row);
  }

  async function recordFailure(userId: number, paymentId: number, message: string, amountMicros: number): Promise<void> {
    const paused = await db.transaction(async (trx) => {
      const payment = await deps.repo.lock(trx, { id: paymentId });
      if (!payment || payment.status === 'failed' || payment.status === 'credited') return undefined;
      await deps.repo.update(trx, paymentId, { status: 'failed', updated_at: stamp() });
      const row = (await trx('auto_top_ups').where({ user_id: userId }).first('failures')) as { failures: number | string } | undefined;
      const failures = Number(row?.failures ?? 0) + 1;
      const pause = failures >= AUTO_TOP_UP_MAX_FAILURES;
      await trx('auto_top_ups').where({ user_id: userId }).update({ failures, last_error: message.slice(0, 300), last_error_at: stamp(), ...(pause ? { paused_at: stamp() } : {}), updated_at: stamp() });
      return pause;
    });
    if (paused === undefined) return;
    deps.notices?.notify(userId, 'auto-top-up-failed', { amountMicros, at: stamp(), reason: paused ? `${message} Automatic top-up is paused until you update it in your wallet.` : message });
  }

  const service = {
    settings,

    /** The Stripe Customer a saved card belongs to: created once per user, before the checkout that saves the card. */
    async customerFor(userId: number, email: string): Promise<string> {
      const known = await settings(userId);
      if (known) return known.customerId;
      const customer = await deps.stripe.customers.create({ email, metadata: { user_id: String(userId) } }, { idempotencyKey: `customer-${userId}` });
      await db('auto_top_ups').insert({ user_id: userId, customer_id: customer.id, updated_at: stamp() }).onConflict('user_id').ignore();
      return (await settings(userId))!.customerId;
    },

    /** payment_method.attached (a card saved at checkout): it becomes the user's card for automatic top-ups. */
    async cardAttached(pm: Stripe.PaymentMethod): Promise<void> {
      const customer = typeof pm.customer === 'string' ? pm.customer : pm.customer?.id;
      if (!customer || pm.type !== 'card') return;
      await db('auto_top_ups').where({ customer_id: customer }).update({ payment_method_id: pm.id, card_brand: pm.card?.brand ?? 'card', card_last4: pm.card?.last4 ?? null, failures: 0, paused_at: null, last_error: null, last_error_at: null, updated_at: stamp() });
    },

    /** Turns automatic top-up on or off; on needs a saved card. Re-arms it and clears a pause. */
    async configure(userId: number, input: { enabled: boolean; thresholdMicros: number; amountMicros: number }): Promise<{ ok: true } | { ok: false; field: string; message: string }> {
      const current = await settings(userId);
      if (input.enabled && !current?.paymentMethodId) return { ok: false, field: 'enabled', message: 'Save a card first: tick "Save this card" when you next add credit.' };
      if (input.amountMicros < deps.limits.minMicros || input.amountMicros > deps.limits.maxMicros || toMinorUnits(input.amountMicros, deps.currency) === undefined) {
        return { ok: false, field: 'amount', message: `Choose an amount from ${money(deps.limits.minMicros)} to ${money(deps.limits.maxMicros)}, in whole cents.` };
      }
      if (input.thresholdMicros < 0 || input.thresholdMicros > deps.limits.maxMicros) return { ok: false, field: 'threshold', message: `Choose a balance from ${money(0)} to ${money(deps.limits.maxMicros)}.` };
      if (!current) return { ok: false, field: 'enabled', message: 'Save a card first: tick "Save this card" when you next add credit.' };
      await db('auto_top_ups').where({ user_id: userId }).update({ enabled: input.enabled, threshold_micros: input.thresholdMicros, amount_micros: input.amountMicros, armed: true, failures: 0, paused_at: null, updated_at: stamp() });
      return { ok: true };
    },

    /** Detaches the card at Stripe (permanent there) and turns automatic top-up off. */
    async removeCard(userId: number): Promise<boolean> {
      const current = await settings(userId);
      if (!current?.paymentMethodId) return false;
      try {
        await deps.stripe.paymentMethods.detach(current.paymentMethodId);
      } catch (err) {
        // Already detached at Stripe (a second click, or removed in the Dashboard): forgetting it here is still right.
        if (stripeErrorType(err) !== 'StripeInvalidRequestError') throw err;
      }
      await db('auto_top_ups').where({ user_id: userId }).update({ payment_method_id: null, card_brand: null, card_last4: null, enabled: false, updated_at: stamp() });
      return true;
    },

    /**
     * After a balance change (a call's settlement): below the threshold, claims the crossing and queues one charge;
     * at or above it, re-arms. Never throws: a failure here must not fail the settlement. `paidFrom` is the account
     * the settled call was paid from (null or left out: the personal one, as calls from before teams were): automatic
     * top-up watches the personal wallet only, so a team's settlement finds no settings and checks nothing.
     */
    async balanceChanged(userId: number, paidFrom?: number | null): Promise<void> {
      try {
        const current = await settingsIfPersonal(userId, paidFrom);
        if (!current?.enabled || !current.paymentMethodId || current.pausedAt) return;
        const balance = (await deps.ledger.balance(userId)) ?? 0;
        if (balance >= current.thresholdMicros) return void (await db('auto_top_ups').where({ user_id: userId, armed: false }).update({ armed: true }));
        const claimed = await db('auto_top_ups').where({ user_id: userId, armed: true }).update({ armed: false, crossings: db.raw('crossings + 1') });
        if (claimed !== 1) return;
        const crossing = Number(((await db('auto_top_ups').where({ user_id: userId }).first('crossings')) as { crossings: number | string }).crossings);
        if (deps.schedule) await deps.schedule(userId, crossing);
        else {
          const tracked = service.charge(userId, crossing).catch((err: unknown) => logger.error({ err, userId }, 'automatic top-up failed')).finally(() => background.delete(tracked));
          background.add(tracked);
        }
      } catch (err) {
        logger.error({ err, userId }, 'automatic top-up check failed');
      }
    },

    /**
     * The payments.auto-top-up job: one off-session charge for one crossing. Its payment row is keyed by the crossing
     * and the PaymentIntent by the row, so a retry (after a crash or a 5xx) reuses both. Card errors are recorded
     * (banner, email, pause after AUTO_TOP_UP_MAX_FAILURES); anything else throws to be retried.
     */
    async charge(userId: number, crossing: number): Promise<void> {
      const current = await settings(userId);
      if (!current?.enabled || !current.paymentMethodId || current.pausedAt) return;
      const key = `auto:${userId}:${crossing}`;
      let payment = await deps.repo.byAutoCrossing(key);
      if (!payment) {
        const today = `${stamp().slice(0, 10)}T00:00:00.000Z`;
        if ((await deps.repo.autoTopUpsSince(userId, today)) >= AUTO_TOP_UPS_PER_DAY) {
          logger.warn({ userId }, `automatic top-up skipped: already ${AUTO_TOP_UPS_PER_DAY} today`);
          return;
        }
        const minor = toMinorUnits(current.amountMicros, deps.currency);
        if (minor === undefined) return;
        await deps.repo.insertAuto({ publicId: `tu_${randomUUID().replaceAll('-', '')}`, userId, accountId: await personalAccountId(deps.db, userId), amountMicros: current.amountMicros, amountMinor: minor, currency: deps.currency, crossing: key, at: stamp() });
        payment = (await deps.repo.byAutoCrossing(key))!;
      }
      if (payment.status !== 'creating') return;
      let intent: Stripe.PaymentIntent;
      try {
        intent = await deps.stripe.paymentIntents.create(
          { amount: payment.amountMinor, currency: payment.currency.toLowerCase(), customer: current.customerId, payment_method: current.paymentMethodId, off_session: true, confirm: true, description: `callbridge automatic top-up ${money(payment.amountMicros)}`, metadata: { topup_id: payment.publicId, user_id: String(userId), auto_top_up: 'true' } },
          { idempotencyKey: `auto-topup-${payment.publicId}` },
        );
      } catch (caught) {
        if (stripeErrorType(caught) !== 'StripeCardError') throw caught;
        const err = caught as { code?: string; decline_code?: string; message?: string };
        const needsAuth = err.code === 'authentication_required' || err.decline_code === 'authentication_required';
        await recordFailure(userId, payment.id, needsAuth ? 'Your bank asks you to confirm this payment, which it cannot do while you are away: add credit by card once from your wallet.' : (err.message || 'Your card was declined.'), payment.amountMicros);
        return;
      }
      await deps.repo.setIntent(payment.id, intent.id, stamp());
      if (intent.status === 'succeeded') await service.fulfilIntent(intent);
    },

    /** Credits an automatic top-up's PaymentIntent: from the job's answer and from payment_intent.succeeded, once. */
    async fulfilIntent(intent: Stripe.PaymentIntent): Promise<void> {
      if (intent.status !== 'succeeded' || intent.metadata?.auto_top_up !== 'true' || !intent.metadata.topup_id) return;
      const credited = await db.transaction(async (trx) => {
        const payment = await deps.repo.lock(trx, { public_id: intent.metadata.topup_id });
        if (!payment || payment.status === 'credited') return undefined;
        if (String(payment.userId) !== intent.metadata.user_id || payment.amountMinor !== intent.amount_received || payment.currency.toLowerCase() !== intent.currency) {
          logger.error({ intent: intent.id, topUp: payment.publicId }, 'an automatic top-up payment does not match its row: not credited');
          return undefined;
        }
        await creditTopUp(trx, deps.ledger, walletOf(payment), { amountMicros: payment.amountMicros, checkoutSessionId: intent.id, description: `Automatic top-up ${money(payment.amountMicros)}` });
        await deps.repo.update(trx, payment.id, { status: 'credited', payment_intent_id: intent.id, credited_at: stamp(), updated_at: stamp() });
        await trx('auto_top_ups').where({ user_id: payment.userId }).update({ failures: 0, last_error: null, last_error_at: null });
        return payment;
      });
      if (!credited) return;
      await deps.afterCredit?.(credited.userId, credited.publicId);
      const balanceMicros = await deps.ledger.balance(credited.userId);
      deps.notices?.notify(credited.userId, 'top-up-receipt', { amountMicros: credited.amountMicros, at: stamp(), balanceMicros, reference: credited.publicId });
      deps.notices?.balanceChanged(credited.userId);
      // Credit above the threshold re-arms it for the next crossing.
      await service.balanceChanged(credited.userId);
    },

    /** Waits for background charges (composed without jobs): tests. */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
  return service;
}

export type AutoTopUps = ReturnType<typeof autoTopUps>;

/** The SDK's error class by name (its `type`), so this module need not load the SDK to tell a declined card apart. */
function stripeErrorType(err: unknown): string | undefined {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}
