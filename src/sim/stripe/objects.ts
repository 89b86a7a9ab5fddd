import { stripeId, unixNow } from './ids.js';

/** Stripe objects as the simulator keeps them: the JSON the API returns, with a few private fields prefixed `_`. */
export type Obj = Record<string, unknown> & { id: string };

const nulls = (names: string) => Object.fromEntries(names.split(' ').map((n) => [n, null]));

/**
 * Fields every object of a type carries that the simulator has no use for: the values a plain card payment without
 * Connect, tax, shipping or invoices has (null, empty, off), so bodies have every property the SDK's types require.
 */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  'checkout.session': {
    ...nulls('adaptive_pricing after_expiration allow_promotion_codes billing_address_collection client_secret collected_information consent consent_collection currency_conversion customer_account discounts invoice invoice_creation locale payment_link payment_method_collection payment_method_configuration_details payment_method_options permissions recovered_from saved_payment_method_options shipping_address_collection shipping_cost submit_type subscription total_details wallet_options integration_identifier managed_payments origin_context allowed_payment_method_types'),
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    shipping_options: [],
  },
  item: nulls('adjustable_quantity metadata price'),
  customer: { ...nulls('default_source shipping'), balance: 0 },
  payment_method: nulls('customer_account'),
  payment_intent: nulls('allowed_payment_method_types application application_fee_amount automatic_payment_methods canceled_at customer_account excluded_payment_method_types managed_payments on_behalf_of payment_method_configuration_details payment_method_options payment_record processing receipt_email review shipping source statement_descriptor statement_descriptor_suffix transfer_group'),
  refund: nulls('application customer customer_account payment_method receipt_number source_transfer_reversal transfer_reversal'),
  charge: {
    ...nulls('application application_fee application_fee_amount calculated_statement_descriptor failure_balance_transaction fraud_details on_behalf_of payment_method_details receipt_email receipt_number receipt_url review shipping source source_transfer statement_descriptor statement_descriptor_suffix transfer_data transfer_group'),
    billing_details: { address: null, email: null, name: null, phone: null },
  },
  dispute: { ...nulls('intended_submission_method'), enhanced_eligibility_types: [], evidence: { uncategorized_text: null, product_description: null, customer_email_address: null } },
};

export function publicView(obj: Obj): Record<string, unknown> {
  const own = Object.entries(obj).filter(([key]) => !key.startsWith('_'));
  return { ...DEFAULTS[String(obj.object)], ...Object.fromEntries(own) };
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
