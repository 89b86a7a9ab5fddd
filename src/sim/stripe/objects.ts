import { stripeId, unixNow } from './ids.js';

/** Stripe objects as the simulator keeps them: the JSON the API returns, with a few private fields prefixed `_`. */
export type Obj = Record<string, unknown> & { id: string };

export function publicView(obj: Obj): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !key.startsWith('_')));
}

export function newCharge(now: Date, fields: { amount: number; currency: string; paymentIntent: string; paymentMethod: string; customer: string | null; failure?: { code: string; message: string; declineCode: string | null } }): Obj {
  const failed = Boolean(fields.failure);
  return {
    id: stripeId('ch'),
    object: 'charge',
    amount: fields.amount,
    amount_captured: failed ? 0 : fields.amount,
    amount_refunded: 0,
    balance_transaction: null,
    captured: !failed,
    created: unixNow(now),
    currency: fields.currency,
    customer: fields.customer,
    description: null,
    disputed: false,
    failure_code: fields.failure?.code ?? null,
    failure_message: fields.failure?.message ?? null,
    livemode: false,
    metadata: {},
    outcome: failed
      ? { network_status: 'declined_by_network', reason: fields.failure!.declineCode, risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
      : { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
    paid: !failed,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod,
    refunded: false,
    status: failed ? 'failed' : 'succeeded',
  };
}

export function newPaymentIntent(now: Date, fields: { amount: number; currency: string; customer: string | null; paymentMethod: string | null; metadata: Record<string, string>; description: string | null; setupFutureUsage: string | null }): Obj {
  const id = stripeId('pi');
  return {
    id,
    object: 'payment_intent',
    amount: fields.amount,
    amount_capturable: 0,
    amount_received: 0,
    capture_method: 'automatic_async',
    cancellation_reason: null,
    client_secret: `${id}_secret_${stripeId('x').slice(2)}`,
    confirmation_method: 'automatic',
    created: unixNow(now),
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: fields.metadata,
    next_action: null,
    payment_method: fields.paymentMethod,
    payment_method_types: ['card'],
    setup_future_usage: fields.setupFutureUsage,
    status: 'requires_payment_method',
  };
}

export function newPaymentMethod(now: Date, number: string, brand: string, expMonth: number, expYear: number): Obj {
  return {
    id: stripeId('pm'),
    object: 'payment_method',
    billing_details: { address: null, email: null, name: null, phone: null },
    card: { brand, country: 'US', exp_month: expMonth, exp_year: expYear, fingerprint: `fp${number.slice(-8)}`, funding: 'credit', last4: number.slice(-4) },
    created: unixNow(now),
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
    _number: number,
  };
}
