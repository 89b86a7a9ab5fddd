import { checkCard, TEST_CARDS, TEST_PAYMENT_METHODS, type CardOutcome } from './cards.js';
import { invalid, missing, noSuch, StripeSimError } from './errors.js';
import type { EventBus, StripeEvent } from './events.js';
import { stripeId, unixNow } from './ids.js';
import { newCharge, newPaymentIntent, newPaymentMethod, publicView, type Obj } from './objects.js';

type Req = StripeEvent['request'];
type Params = Record<string, unknown>;

/** Minimum charge in minor units by currency (stripe-behavior.md §7); others default to 50. */
const MINIMUM_MINOR: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, chf: 50, nzd: 50, sgd: 50, dkk: 250, nok: 300, sek: 300, pln: 200, czk: 1500, hkd: 400, jpy: 50, inr: 50 };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown, param: string): number => {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(param, `Invalid integer: ${String(v)}`);
  return Number(v);
};
const metadataOf = (v: unknown): Record<string, string> => {
  if (v === undefined || v === '') return {};
  if (typeof v !== 'object' || v === null) throw invalid('metadata', 'Invalid hash');
  const entries = Object.entries(v as Record<string, unknown>).filter(([, val]) => val !== '');
  if (entries.length > 50) throw invalid('metadata', 'You can specify up to 50 keys.');
  for (const [k, val] of entries) {
    if (k.length > 40) throw invalid(`metadata[${k}]`, 'Metadata keys can be at most 40 characters long.');
    if (typeof val !== 'string' || val.length > 500) throw invalid(`metadata[${k}]`, 'Metadata values can be at most 500 characters long.');
  }
  return Object.fromEntries(entries) as Record<string, string>;
};

/** The simulated account: its objects and what the API, the hosted page and the control API do to them. */
export class StripeState {
  readonly sessions = new Map<string, Obj>();
  readonly intents = new Map<string, Obj>();
  readonly charges = new Map<string, Obj>();
  readonly customers = new Map<string, Obj>();
  readonly methods = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly disputes = new Map<string, Obj>();

  constructor(private readonly bus: EventBus, private readonly pageUrl: (id: string) => string, private readonly now: () => Date = () => new Date()) {}

  createSession(p: Params, req: Req): Obj {
    const mode = str(p.mode) ?? 'payment';
    if (mode !== 'payment') throw invalid('mode', 'The simulator supports mode=payment only.');
    const items = p.line_items;
    if (!Array.isArray(items) || items.length === 0) throw missing('line_items');
    let total = 0;
    let currency: string | undefined;
    const lineItems = items.map((raw, i) => {
      const item = raw as Params;
      const price = item.price_data as Params | undefined;
      if (!price) throw missing(`line_items[${i}][price_data]`);
      const cur = str(price.currency);
      if (!cur || !/^[a-z]{3}$/.test(cur)) throw invalid(`line_items[${i}][price_data][currency]`, 'Invalid currency: use a lowercase three-letter ISO code.');
      if (currency && cur !== currency) throw invalid(`line_items[${i}][price_data][currency]`, 'All line items must have the same currency.');
      currency = cur;
      const unit = int(price.unit_amount, `line_items[${i}][price_data][unit_amount]`);
      const quantity = int(item.quantity ?? '1', `line_items[${i}][quantity]`);
      const name = str((price.product_data as Params | undefined)?.name);
      if (!name) throw missing(`line_items[${i}][price_data][product_data][name]`);
      total += unit * quantity;
      return { id: stripeId('li'), object: 'item', amount_discount: 0, amount_subtotal: unit * quantity, amount_tax: 0, amount_total: unit * quantity, currency: cur, description: name, quantity };
    });
    const min = MINIMUM_MINOR[currency!] ?? 50;
    if (total < min) throw new StripeSimError(400, { type: 'invalid_request_error', code: 'amount_too_small', param: 'line_items', message: `Amount must be at least ${(min / 100).toFixed(2)} ${currency}` });
    if (total > 99_999_999) throw new StripeSimError(400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'line_items', message: 'Amount must be no more than 99999999' });
    const successUrl = str(p.success_url);
    if (!successUrl) throw missing('success_url');
    const created = unixNow(this.now());
    const expiresAt = p.expires_at === undefined ? created + 24 * 3600 : int(p.expires_at, 'expires_at');
    if (expiresAt < created + 30 * 60 || expiresAt > created + 24 * 3600) throw invalid('expires_at', 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.');
    const clientReference = str(p.client_reference_id);
    if (clientReference && clientReference.length > 200) throw invalid('client_reference_id', 'client_reference_id must be at most 200 characters.');
    const pid = (p.payment_intent_data ?? {}) as Params;
    const id = stripeId('cs_test', 58);
    const session: Obj = {
      id,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: str(p.cancel_url) ?? null,
      client_reference_id: clientReference ?? null,
      created,
      currency: currency!,
      customer: str(p.customer) ?? null,
      customer_creation: str(p.customer_creation) ?? (p.customer ? null : 'if_required'),
      customer_details: null,
      customer_email: str(p.customer_email) ?? null,
      expires_at: expiresAt,
      livemode: false,
      metadata: metadataOf(p.metadata),
      mode,
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      setup_intent: null,
      status: 'open',
      success_url: successUrl,
      ui_mode: 'hosted_page',
      url: this.pageUrl(id),
      _lineItems: lineItems,
      _setupFutureUsage: str(pid.setup_future_usage) ?? null,
      _intentMetadata: metadataOf(pid.metadata),
    };
    if (session.customer && !this.customers.has(session.customer as string)) throw noSuch('customer', session.customer as string);
    this.sessions.set(id, session);
    return session;
  }

  session(id: string): Obj {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('checkout.session', id);
    this.expireIfDue(session);
    return session;
  }

  sessionView(session: Obj, expand: string[]): Record<string, unknown> {
    const view = publicView(session);
    if (expand.includes('line_items')) view.line_items = { object: 'list', data: (session._lineItems as Obj[]).map(publicView), has_more: false, url: `/v1/checkout/sessions/${session.id}/line_items` };
    if (expand.includes('payment_intent') && session.payment_intent) view.payment_intent = publicView(this.intents.get(session.payment_intent as string)!);
    return view;
  }

  expireSession(id: string, req: Req): Obj {
    const session = this.session(id);
    if (session.status !== 'open') throw new StripeSimError(400, { type: 'invalid_request_error', code: 'checkout_session_not_open' as string, message: `This Checkout Session is not open: it is ${String(session.status)}.` } as never);
    this.expire(session, req);
    return session;
  }

  private expireIfDue(session: Obj): void {
    if (session.status === 'open' && unixNow(this.now()) >= (session.expires_at as number)) this.expire(session, { id: null, idempotency_key: null });
  }

  private expire(session: Obj, req: Req): void {
    session.status = 'expired';
    session.url = null;
    const events: Array<{ type: string; object: Obj }> = [{ type: 'checkout.session.expired', object: publicView(session) as Obj }];
    const pi = session.payment_intent ? this.intents.get(session.payment_intent as string) : undefined;
    if (pi && pi.status !== 'succeeded') {
      pi.status = 'canceled';
      pi.cancellation_reason = 'automatic';
      events.unshift({ type: 'payment_intent.canceled', object: publicView(pi) as Obj });
    }
    this.bus.emit(events, req);
  }

  /**
   * The buyer submits the hosted page. `authenticated`: the answer to an authentication step (undefined = not asked
   * yet). Returns what the page shows next.
   */
  payOnPage(id: string, card: { number: string; expMonth: string; expYear: string; cvc: string }, authenticated?: boolean): { result: 'paid'; redirect: string } | { result: 'error'; message: string } | { result: 'authenticate' } {
    const session = this.session(id);
    if (session.status !== 'open') return { result: 'error', message: session.status === 'complete' ? 'This payment is already complete.' : 'This checkout session has expired.' };
    const checked = checkCard(card, this.now());
    if (!checked.ok) return { result: 'error', message: checked.message };
    let outcome: CardOutcome = checked.outcome;
    if (outcome.kind === 'authentication') {
      if (authenticated === undefined) return { result: 'authenticate' };
      if (!authenticated) {
        this.attemptCharge(session, checked.number, checked.brand, Number(card.expMonth), Number(card.expYear), { kind: 'decline', code: 'payment_intent_authentication_failure', declineCode: null, message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.' });
        return { result: 'error', message: 'Authentication failed. Choose a different card and try again.' };
      }
      outcome = outcome.then;
    }
    const year = Number(card.expYear) < 100 ? Number(card.expYear) + 2000 : Number(card.expYear);
    const charge = this.attemptCharge(session, checked.number, checked.brand, Number(card.expMonth), year, outcome);
    if (charge.status !== 'succeeded') return { result: 'error', message: (charge.failure_message as string) ?? 'Your card was declined.' };
    return { result: 'paid', redirect: (session.success_url as string).replaceAll('{CHECKOUT_SESSION_ID}', id) };
  }

  private attemptCharge(session: Obj, number: string, brand: string, expMonth: number, expYear: number, outcome: CardOutcome): Obj {
    const now = this.now();
    const events: Array<{ type: string; object: Record<string, unknown> }> = [];
    let pi = session.payment_intent ? this.intents.get(session.payment_intent as string)! : undefined;
    if (!pi) {
      pi = newPaymentIntent(now, { amount: session.amount_total as number, currency: session.currency as string, customer: session.customer as string | null, paymentMethod: null, metadata: session._intentMetadata as Record<string, string>, description: null, setupFutureUsage: session._setupFutureUsage as string | null });
      this.intents.set(pi.id, pi);
      session.payment_intent = pi.id;
      events.push({ type: 'payment_intent.created', object: publicView(pi) });
    }
    const pm = newPaymentMethod(now, number, brand, expMonth, expYear);
    this.methods.set(pm.id, pm);
    if (session._setupFutureUsage && outcome.kind === 'success') {
      if (!session.customer && session.customer_creation !== null) {
        const customer = this.newCustomer({ email: session.customer_email ?? null, name: null, metadata: {} });
        session.customer = customer.id;
        pi.customer = customer.id;
        events.push({ type: 'customer.created', object: publicView(customer) });
      }
      pm.customer = session.customer;
      // Saved after an on-session payment the buyer completed (authenticated if asked): set up for off-session use.
      pm._setUpForOffSession = true;
      events.push({ type: 'payment_method.attached', object: publicView(pm) });
    }
    const charge = this.charge(pi, pm, outcome, events);
    if (charge.status === 'succeeded') {
      session.status = 'complete';
      session.payment_status = 'paid';
      session.url = null;
      session.customer_details = { address: null, email: session.customer_email ?? null, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
      events.push({ type: 'checkout.session.completed', object: publicView(session) });
    }
    this.bus.emit(events);
    return charge;
  }

  /** Charges a PaymentIntent with a card; pushes the charge and PaymentIntent events. */
  private charge(pi: Obj, pm: Obj, outcome: CardOutcome, events: Array<{ type: string; object: Record<string, unknown> }>): Obj {
    const failure = outcome.kind === 'decline' ? { code: outcome.code, message: outcome.message, declineCode: outcome.declineCode } : undefined;
    const charge = newCharge(this.now(), { amount: pi.amount as number, currency: pi.currency as string, paymentIntent: pi.id, paymentMethod: pm.id, customer: pi.customer as string | null, ...(failure ? { failure } : {}) });
    this.charges.set(charge.id, charge);
    pi.latest_charge = charge.id;
    pi.payment_method = pm.id;
    if (failure) {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = { type: 'card_error', code: failure.code, decline_code: failure.declineCode, message: failure.message, charge: charge.id, payment_method: publicView(pm), doc_url: `https://docs.stripe.com/error-codes/${failure.code.replaceAll('_', '-')}` };
      events.push({ type: 'charge.failed', object: publicView(charge) }, { type: 'payment_intent.payment_failed', object: publicView(pi) });
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.last_payment_error = null;
      events.push({ type: 'charge.succeeded', object: publicView(charge) }, { type: 'payment_intent.succeeded', object: publicView(pi) });
    }
    return charge;
  }

  newCustomer(fields: { email: unknown; name: unknown; metadata: Record<string, string> }): Obj {
    const customer: Obj = { id: stripeId('cus', 14), object: 'customer', created: unixNow(this.now()), email: str(fields.email) ?? null, name: str(fields.name) ?? null, description: null, invoice_settings: { custom_fields: null, default_payment_method: null, footer: null }, livemode: false, metadata: fields.metadata };
    this.customers.set(customer.id, customer);
    return customer;
  }

  createCustomer(p: Params, req: Req): Obj {
    const customer = this.newCustomer({ email: p.email, name: p.name, metadata: metadataOf(p.metadata) });
    this.bus.emit([{ type: 'customer.created', object: publicView(customer) }], req);
    return customer;
  }

  customer(id: string): Obj {
    const c = this.customers.get(id);
    if (!c) throw noSuch('customer', id);
    return c;
  }

  paymentMethod(id: string): Obj {
    const known = TEST_PAYMENT_METHODS[id];
    if (known && !this.methods.has(id)) {
      const pm = newPaymentMethod(this.now(), known, TEST_CARDS[known]?.brand ?? 'visa', 12, new Date().getUTCFullYear() + 3);
      pm.id = id;
      this.methods.set(id, pm);
    }
    const pm = this.methods.get(id);
    if (!pm) throw noSuch('PaymentMethod', id);
    return pm;
  }

  attach(id: string, p: Params, req: Req): Obj {
    const pm = this.paymentMethod(id);
    const customer = str(p.customer);
    if (!customer) throw missing('customer');
    this.customer(customer);
    pm.customer = customer;
    this.bus.emit([{ type: 'payment_method.attached', object: publicView(pm) }], req);
    return pm;
  }

  detach(id: string, req: Req): Obj {
    const pm = this.paymentMethod(id);
    if (!pm.customer) throw new StripeSimError(400, { type: 'invalid_request_error', code: 'payment_method_unexpected_state', message: 'The payment method you provided is not attached to a customer so detachment is impossible.' });
    pm.customer = null;
    this.bus.emit([{ type: 'payment_method.detached', object: publicView(pm) }], req);
    return pm;
  }

  customerMethods(customerId: string): Obj[] {
    this.customer(customerId);
    return [...this.methods.values()].filter((pm) => pm.customer === customerId);
  }

  /** POST /v1/payment_intents with confirm=true and off_session=true: the auto top-up path (§3.2). */
  createPaymentIntent(p: Params, req: Req): Obj {
    const amount = int(p.amount, 'amount');
    const currency = str(p.currency);
    if (!currency) throw missing('currency');
    const customer = str(p.customer) ?? null;
    const pmId = str(p.payment_method) ?? null;
    const pi = newPaymentIntent(this.now(), { amount, currency, customer, paymentMethod: pmId, metadata: metadataOf(p.metadata), description: str(p.description) ?? null, setupFutureUsage: null });
    this.intents.set(pi.id, pi);
    const events: Array<{ type: string; object: Record<string, unknown> }> = [{ type: 'payment_intent.created', object: publicView(pi) }];
    if (p.confirm !== 'true' || !pmId) {
      this.bus.emit(events, req);
      return pi;
    }
    const pm = this.paymentMethod(pmId);
    if (pm.customer && pm.customer !== customer) throw invalid('customer', 'The provided PaymentMethod is attached to another customer: pass that customer.');
    const offSession = p.off_session === 'true' || p.off_session === 'one_off' || p.off_session === 'recurring';
    const card = TEST_CARDS[pm._number as string]?.outcome ?? { kind: 'success' as const };
    let outcome: CardOutcome = card;
    if (card.kind === 'authentication') {
      const mustAuthenticate = offSession && (card.everyPayment === true || (card.offSessionNeedsAuth && pm._setUpForOffSession !== true));
      outcome = mustAuthenticate ? { kind: 'decline', code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' } : card.then;
    }
    const charge = this.charge(pi, pm, outcome, events);
    this.bus.emit(events, req);
    if (charge.status !== 'succeeded') {
      const err = pi.last_payment_error as Record<string, unknown>;
      throw new StripeSimError(402, { type: 'card_error', code: err.code as string, decline_code: err.decline_code as string, message: err.message as string, charge: charge.id, payment_intent: publicView(pi), payment_method: publicView(pm) });
    }
    return pi;
  }

  intent(id: string): Obj {
    const pi = this.intents.get(id);
    if (!pi) throw noSuch('payment_intent', id);
    return pi;
  }

  /** POST /v1/refunds: at most what remains of the charge; succeeds at once (normal test cards). */
  createRefund(p: Params, req: Req): Obj {
    const piId = str(p.payment_intent);
    const chargeId = str(p.charge) ?? (piId ? (this.intent(piId).latest_charge as string | null) : undefined);
    if (!chargeId) throw missing('charge');
    const charge = this.charges.get(chargeId);
    if (!charge || charge.status !== 'succeeded') throw noSuch('charge', chargeId);
    const remaining = (charge.amount as number) - (charge.amount_refunded as number);
    if (remaining === 0) throw new StripeSimError(400, { type: 'invalid_request_error', code: 'charge_already_refunded', message: `Charge ${chargeId} has already been refunded.` });
    const amount = p.amount === undefined ? remaining : int(p.amount, 'amount');
    if (amount <= 0 || amount > remaining) throw invalid('amount', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`);
    const reason = str(p.reason) ?? null;
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) throw invalid('reason', 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer');
    const refund: Obj = { id: stripeId('re'), object: 'refund', amount, balance_transaction: null, charge: chargeId, created: unixNow(this.now()), currency: charge.currency, metadata: metadataOf(p.metadata), payment_intent: charge.payment_intent, reason, status: 'succeeded' };
    this.refunds.set(refund.id, refund);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.bus.emit([{ type: 'refund.created', object: publicView(refund) }, { type: 'charge.refunded', object: publicView(charge), previous }], req);
    return refund;
  }

  event(id: string): StripeEvent | undefined {
    return this.bus.get(id);
  }

  /** Control API: the cardholder disputes a charge (default: all of it). */
  openDispute(chargeId: string, amount?: number, reason = 'fraudulent'): Obj {
    const charge = this.charges.get(chargeId);
    if (!charge || charge.status !== 'succeeded') throw noSuch('charge', chargeId);
    const disputable = (charge.amount as number) - (charge.amount_refunded as number);
    const dispute: Obj = { id: stripeId('dp'), object: 'dispute', amount: Math.min(amount ?? disputable, disputable), balance_transactions: [], charge: chargeId, created: unixNow(this.now()), currency: charge.currency, evidence_details: { due_by: unixNow(this.now()) + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 }, is_charge_refundable: false, livemode: false, metadata: {}, payment_intent: charge.payment_intent, reason, status: 'needs_response' };
    this.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    this.bus.emit([{ type: 'charge.dispute.created', object: publicView(dispute) }, { type: 'charge.dispute.funds_withdrawn', object: publicView(dispute) }]);
    return dispute;
  }

  /** Control API: the bank decides a dispute. */
  closeDispute(id: string, outcome: 'won' | 'lost'): Obj {
    const dispute = this.disputes.get(id);
    if (!dispute) throw noSuch('dispute', id);
    const previous = { status: dispute.status };
    dispute.status = outcome;
    const events: Array<{ type: string; object: Record<string, unknown>; previous?: Record<string, unknown> }> = [{ type: 'charge.dispute.closed', object: publicView(dispute), previous }];
    if (outcome === 'won') events.push({ type: 'charge.dispute.funds_reinstated', object: publicView(dispute) });
    this.bus.emit(events);
    return dispute;
  }
}
