import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { officialObjectProblems, officialRequestProblems, officialResponseProblems } from '../sim/helpers/stripe-openapi.js';
import { loggedInUser, payOnPage, startPaymentsStack, startTopUp, type PaymentsStack } from './helpers/payments-stack.js';

let stack: PaymentsStack;
beforeEach(async () => {
  stack = await startPaymentsStack();
});
afterEach(async () => {
  await stack.close();
});

describe('what the app sends to Stripe and gets back, against Stripe\'s official OpenAPI schemas', () => {
  it('a paid top-up, a cancelled one and an admin refund: every request body, response and event is valid', async () => {
    const user = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(user.agent, user.csrf, '10');
    await payOnPage(user.agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    const cancelled = await startTopUp(user.agent, user.csrf, '5');
    const cancelledPayment = await stack.testDb.db('payments').where({ checkout_session_id: cancelled.sessionId }).first('public_id');
    await user.agent.get(`/wallet/top-up/${cancelledPayment.public_id}/cancel`).expect(200);
    const payment = await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first('id');
    const admin = await loggedInUser(stack, 'admin@example.com');
    await stack.testDb.db('users').where({ id: admin.userId }).update({ role: 'admin' });
    const page = await admin.agent.get(`/admin/payments/${payment.id}`).expect(200);
    await admin.agent.post(`/admin/payments/${payment.id}/refund`).type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '4', reason: 'asked by phone' }).expect(303);
    await stack.stripe.waitForDeliveries();

    const sent = stack.stripe.requests;
    expect(new Set(sent.map((r) => `${r.method} ${r.path.replace(/\/(cs|re)_\w+/, '/{id}')}`))).toEqual(new Set(['POST /v1/checkout/sessions', 'POST /v1/checkout/sessions/{id}/expire', 'POST /v1/refunds']));
    expect(sent.filter((r) => r.method === 'POST').flatMap((r) => officialRequestProblems(r) ?? [`${r.method} ${r.path}: no official request schema`])).toEqual([]);
    expect(sent.flatMap(officialResponseProblems)).toEqual([]);
    expect(stack.stripe.events().flatMap(officialObjectProblems)).toEqual([]);
  });
});
