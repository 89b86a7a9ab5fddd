import { Ajv } from 'ajv';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeSimulator, type RunningStripeSimulator } from '../../src/sim/stripe/simulator.js';
import { apiChangesSinceSpec, officialObjectProblems, officialRequestProblems, officialResponseProblems, stripeOpenapi } from './helpers/stripe-openapi.js';
import { errorSchema, listSchema, sdkObjectSchema } from './helpers/stripe-sdk-schemas.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const schemas = {
  'checkout.session': sdkObjectSchema('Checkout/Sessions', 'Session'),
  payment_intent: sdkObjectSchema('PaymentIntents', 'PaymentIntent'),
  charge: sdkObjectSchema('Charges', 'Charge'),
  customer: sdkObjectSchema('Customers', 'Customer'),
  payment_method: sdkObjectSchema('PaymentMethods', 'PaymentMethod'),
  refund: sdkObjectSchema('Refunds', 'Refund'),
  dispute: sdkObjectSchema('Disputes', 'Dispute'),
  event: sdkObjectSchema('Events', 'EventBase', 'Event'),
  item: sdkObjectSchema('LineItems', 'LineItem'),
};
const validators = Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, ajv.compile(s)]));
const validateError = ajv.compile(errorSchema);

function problems(body: unknown): string[] {
  const object = (body as { object?: string }).object;
  if (object === 'list') {
    const data = (body as { data: unknown[] }).data;
    const list = ajv.validate(listSchema({}), body) ? [] : [`list: ${ajv.errorsText()}`];
    return [...list, ...data.flatMap(problems)];
  }
  if ((body as { error?: unknown }).error) return validateError(body) ? [] : [`error: ${ajv.errorsText(validateError.errors)}`];
  const validate = validators[object ?? ''];
  if (!validate) return [`no schema for object ${String(object)}`];
  const found = validate(body) ? [] : [`${object}: ${ajv.errorsText(validate.errors)}`];
  if (object === 'event') found.push(...problems((body as { data: { object: unknown } }).data.object));
  return found;
}

let sim: RunningStripeSimulator;
let stripe: Stripe;
beforeAll(async () => {
  sim = await startStripeSimulator({ port: 0, checkoutBaseUrl: 'http://app.test/stripe-sim/checkout' });
  stripe = new Stripe(sim.secretKey, { host: sim.host, port: sim.port, protocol: 'http', telemetry: false, maxNetworkRetries: 0 });
});
afterAll(() => sim.close());

describe('Stripe simulator bodies against Stripe\'s official OpenAPI schemas and the SDK-derived ones', () => {
  it('every response and every event of a full scenario is valid', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: 'Credit' } } }], client_reference_id: '1', metadata: { topup_id: 'tu_1' }, payment_intent_data: { setup_future_usage: 'off_session' }, success_url: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'http://app.test/cancel' });
    expect(sim.state.payOnPage(session.id, { number: '4000000000000002', expMonth: '12', expYear: '2040', cvc: '123' })).toMatchObject({ result: 'error' });
    expect(sim.state.payOnPage(session.id, { number: '4242424242424242', expMonth: '12', expYear: '2040', cvc: '123' })).toMatchObject({ result: 'paid' });
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'payment_intent'] });
    await stripe.checkout.sessions.listLineItems(session.id);
    const other = await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ quantity: 2, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Credit' } } }], success_url: 'http://app.test/ok' });
    await stripe.checkout.sessions.expire(other.id);
    const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { user_id: '1' } });
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    await stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', off_session: true, confirm: true });
    await stripe.paymentMethods.attach('pm_card_authenticationRequiredOnSetup', { customer: customer.id });
    await expect(stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: customer.id, payment_method: 'pm_card_authenticationRequiredOnSetup', off_session: true, confirm: true })).rejects.toMatchObject({ type: 'StripeCardError', code: 'authentication_required' });
    const piId = typeof paid.payment_intent === 'string' ? paid.payment_intent : paid.payment_intent!.id;
    await stripe.refunds.create({ payment_intent: piId, amount: 300 });
    await expect(stripe.refunds.create({ payment_intent: piId, amount: 10_000 })).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    await expect(stripe.checkout.sessions.retrieve('cs_test_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 10, product_data: { name: 'x' } } }], success_url: 'http://app.test/' })).rejects.toMatchObject({ code: 'amount_too_small' });
    await stripe.events.retrieve(sim.events()[0]!.id);
    sim.state.openDispute(paid.payment_intent && typeof paid.payment_intent === 'object' ? (paid.payment_intent.latest_charge as string) : '');

    const found = [...sim.requests.flatMap((r) => problems(r.response)), ...sim.events().flatMap((e) => problems(e))];
    expect(found).toEqual([]);
    expect(sim.requests.flatMap((r) => officialRequestProblems(r) ?? [])).toEqual([]);
    expect([...sim.requests.flatMap(officialResponseProblems), ...sim.events().flatMap(officialObjectProblems)]).toEqual([]);
    expect(sim.requests.length).toBeGreaterThan(12);
    expect(new Set(sim.events().map((e) => e.type))).toEqual(new Set(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed', 'customer.created', 'payment_method.attached', 'charge.succeeded', 'payment_intent.succeeded', 'checkout.session.completed', 'checkout.session.expired', 'refund.created', 'charge.refunded', 'charge.dispute.created', 'charge.dispute.funds_withdrawn']));
  });

  it('saving a card at checkout and charging it off-session: the test cards behave as documented, every body valid', async () => {
    const from = sim.requests.length;
    const eventsFrom = sim.events().length;
    const customer = await stripe.customers.create({ email: 'grace@example.com' });
    const saveAndPay = async (number: string) => {
      const session = await stripe.checkout.sessions.create({ mode: 'payment', customer: customer.id, line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: 'Credit' } } }], payment_intent_data: { setup_future_usage: 'off_session' }, success_url: 'http://app.test/ok' });
      expect(sim.state.payOnPage(session.id, { number, expMonth: '12', expYear: '2040', cvc: '123' }, true)).toMatchObject({ result: 'paid' });
      const methods = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
      return methods.data.find((m) => m.card?.last4 === number.slice(-4))!;
    };
    const offSession = (pm: string) => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm, off_session: true, confirm: true, metadata: { topup_id: 'tu_auto' } }, { idempotencyKey: `auto-${pm}` });
    // Authenticated once at checkout and saved: set up, so off-session it succeeds.
    const setUp = await saveAndPay('4000002500003155');
    expect(setUp.customer).toBe(customer.id);
    await expect(offSession(setUp.id)).resolves.toMatchObject({ status: 'succeeded', amount_received: 2000 });
    // Asks on every payment: off-session it fails, the PaymentIntent left needing a payment method.
    const every = await saveAndPay('4000002760003184');
    const failed = await offSession(every.id).catch((err: unknown) => err);
    expect(failed).toMatchObject({ type: 'StripeCardError', statusCode: 402, code: 'authentication_required', decline_code: 'authentication_required' });
    expect((failed as { payment_intent: { status: string } }).payment_intent.status).toBe('requires_payment_method');
    // The same key again replays the same refusal (a retried job does not charge twice).
    await expect(offSession(every.id)).rejects.toMatchObject({ code: 'authentication_required' });
    // Attaches, then every charge fails.
    await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await expect(offSession('pm_card_chargeCustomerFail')).rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    await expect(stripe.paymentMethods.detach(every.id)).resolves.toMatchObject({ customer: null });

    const found = [...sim.requests.slice(from).flatMap((r) => problems(r.response)), ...sim.events().slice(eventsFrom).flatMap((e) => problems(e))];
    expect(found).toEqual([]);
    expect(sim.requests.slice(from).flatMap((r) => officialRequestProblems(r) ?? [])).toEqual([]);
    expect([...sim.requests.slice(from).flatMap(officialResponseProblems), ...sim.events().slice(eventsFrom).flatMap(officialObjectProblems)]).toEqual([]);
    const types = new Set(sim.events().slice(eventsFrom).map((e) => e.type));
    for (const type of ['payment_method.attached', 'payment_method.detached', 'payment_intent.succeeded', 'payment_intent.payment_failed', 'charge.failed', 'checkout.session.completed']) expect(types).toContain(type);
  });

  it('the derived schemas can fail: a wrong enum, a missing required field and an unknown field are each caught', () => {
    const session = sim.requests.find((r) => (r.response as { object?: string }).object === 'checkout.session')!.response as Record<string, unknown>;
    expect(problems(session)).toEqual([]);
    expect(problems({ ...session, status: 'paid' })).not.toEqual([]);
    const { amount_total: _dropped, ...missing } = session;
    expect(problems(missing)).not.toEqual([]);
    expect(problems({ ...session, paid_at: 1 })).not.toEqual([]);
  });

  it('the official schemas can fail: a wrong enum, a missing required field, a wrong type, an unknown request parameter and a bad error body are each caught', () => {
    const entry = sim.requests.find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && r.status === 200)!;
    const session = entry.response as Record<string, unknown>;
    expect(officialResponseProblems(entry)).toEqual([]);
    expect(officialResponseProblems({ ...entry, response: { ...session, status: 'paid' } })).toEqual([expect.stringContaining('data/status must be equal to one of the allowed values')]);
    const { mode: _dropped, ...missing } = session;
    expect(officialResponseProblems({ ...entry, response: missing })).toEqual([expect.stringContaining("must have required property 'mode'")]);
    const intent = sim.requests.find((r) => (r.response as { object?: string }).object === 'payment_intent')!.response as Record<string, unknown>;
    expect(officialObjectProblems(intent)).toEqual([]);
    expect(officialObjectProblems({ ...intent, amount: '500' })).toEqual([expect.stringContaining('data/amount must be integer')]);
    expect(officialRequestProblems({ ...entry, body: { ...entry.body, mode: 'rental' } })).toEqual([expect.stringContaining('data/mode must be equal to one of the allowed values')]);
    expect(officialRequestProblems({ ...entry, body: { ...entry.body, paid_at: '1' } })).toEqual([expect.stringContaining('must NOT have additional properties')]);
    expect(officialResponseProblems({ method: 'GET', path: '/v1/nowhere', status: 404, response: { error: { type: 'no_such_type', message: 'x' } } })).not.toEqual([]);
  });

  it('the fixture is official spec data with provenance, and each listed API change since it is still needed', () => {
    expect(stripeOpenapi._source).toMatchObject({ repository: 'https://github.com/stripe/openapi', path: 'openapi/spec3.json', commit: expect.stringMatching(/^[0-9a-f]{40}$/), specVersion: expect.any(String) });
    for (const { change, stillOld } of apiChangesSinceSpec) expect(stillOld(structuredClone(stripeOpenapi)), change).toBe(true);
  });

  it('parses the SDK\'s form encoding of a checkout session exactly (nested and indexed keys)', async () => {
    const before = sim.requests.length;
    await stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1234, product_data: { name: 'Credit $12.34' } } }], metadata: { topup_id: 'tu_2', note: 'a&b=c' }, success_url: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}' });
    expect(sim.requests[before]!.body).toEqual({ mode: 'payment', line_items: [{ quantity: '1', price_data: { currency: 'usd', unit_amount: '1234', product_data: { name: 'Credit $12.34' } } }], metadata: { topup_id: 'tu_2', note: 'a&b=c' }, success_url: 'http://app.test/ok?session_id={CHECKOUT_SESSION_ID}' });
  });

  it('refuses a bad key with 401 and replays an idempotent POST', async () => {
    const bad = new Stripe('sk_test_', { host: sim.host, port: sim.port, protocol: 'http', telemetry: false });
    await expect(bad.customers.create({})).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    const a = await stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'k1' });
    const b = await stripe.customers.create({ email: 'x@example.com' }, { idempotencyKey: 'k1' });
    expect(b.id).toBe(a.id);
    await expect(stripe.customers.create({ email: 'y@example.com' }, { idempotencyKey: 'k1' })).rejects.toMatchObject({ type: 'StripeIdempotencyError' });
  });
});
