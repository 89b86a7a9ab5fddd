import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { balanceOf, loggedInUser, payOnPage, startPaymentsStack, startTopUp, type PaymentsStack } from './helpers/payments-stack.js';

let stack: PaymentsStack;
beforeEach(async () => {
  stack = await startPaymentsStack();
});
afterEach(async () => {
  await stack.stripe.waitForDeliveries(5_000).catch(() => undefined);
  await expectLedgerConsistent(stack.testDb.db);
  await stack.close();
});

/** A user with a credited $10 top-up, and an admin logged in. */
async function paidTopUp() {
  const user = await loggedInUser(stack, 'ada@example.com');
  const { sessionId, pagePath } = await startTopUp(user.agent, user.csrf, '10');
  await payOnPage(user.agent, pagePath, '4242424242424242').expect(303);
  await stack.stripe.waitForDeliveries();
  const payment = await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first();
  const admin = await loggedInUser(stack, 'admin@example.com');
  await stack.testDb.db('users').where({ id: admin.userId }).update({ role: 'admin' });
  return { user, admin, paymentId: Number(payment.id), paymentIntent: String(payment.payment_intent_id) };
}

async function spend(userId: number, micros: number) {
  await stack.built.services.money.wallet.credit(userId, { kind: 'adjustment', amountMicros: -micros, description: 'calls (test)' });
}

describe('refunds', () => {
  it('an admin refunds part of a top-up: Stripe refunds, the wallet loses exactly that, the refund event confirms it', async () => {
    const { user, admin, paymentId, paymentIntent } = await paidTopUp();
    const page = await admin.agent.get(`/admin/payments/${paymentId}`).expect(200);
    expect(page.text).toContain('At most $10.0000');
    const res = await admin.agent.post(`/admin/payments/${paymentId}/refund`).type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '4', reason: 'asked by phone' }).expect(303);
    expect(res.headers.location).toBe(`/admin/payments/${paymentId}`);
    expect(await balanceOf(stack, user.userId)).toBe(6_000_000);
    await expectLedgerConsistent(stack.testDb.db);
    const charge = [...stack.stripe.state.charges.values()].find((c) => c.payment_intent === paymentIntent)!;
    expect(charge.amount_refunded).toBe(400);
    await stack.stripe.waitForDeliveries();
    const refund = await stack.testDb.db('payment_refunds').where({ payment_id: paymentId }).first();
    expect(refund).toMatchObject({ status: 'succeeded' });
    expect(refund.confirmed_at).not.toBeNull();
    const entry = await stack.testDb.db('ledger_entries').where({ user_id: user.userId, kind: 'refund' }).first();
    expect(entry.reference).toBe(refund.refund_id);
    expect(await stack.testDb.db('audit_log').where({ action: 'payment.refund' })).toHaveLength(1);
    const wallet = await user.agent.get('/wallet').expect(200);
    expect(wallet.text).toContain('Refund of card top-up');
  });

  it('refuses to refund more than the unspent credit, and changes nothing', async () => {
    const { user, admin, paymentId } = await paidTopUp();
    await spend(user.userId, 7_000_000);
    const page = await admin.agent.get(`/admin/payments/${paymentId}`).expect(200);
    expect(page.text).toContain('At most $3.0000');
    const res = await admin.agent.post(`/admin/payments/${paymentId}/refund`).type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '3.01' }).expect(422);
    expect(res.text).toContain('At most $3.0000 of this top-up is unspent');
    expect(stack.stripe.state.refunds.size).toBe(0);
    expect(await balanceOf(stack, user.userId)).toBe(3_000_000);
    await user.agent.post(`/admin/payments/${paymentId}/refund`).type('form').send({ _csrf: user.csrf, amount: '1' }).expect(403);
  });
});

describe('disputes', () => {
  it('a dispute reverses the credit down to zero, records the spent part as owed, puts calls on hold; winning restores it', async () => {
    const { user, admin, paymentId } = await paidTopUp();
    await spend(user.userId, 7_000_000);
    const payment = await stack.testDb.db('payments').where({ id: paymentId }).first();
    const chargeId = [...stack.stripe.state.charges.values()].find((c) => c.payment_intent === payment.payment_intent_id)!.id;
    const opened = await fetch(`${stack.stripe.url}/control/stripe/charges/${chargeId}/dispute`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    const dispute = (await opened.json()) as { id: string };
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, user.userId)).toBe(0);
    await expectLedgerConsistent(stack.testDb.db);
    expect(await stack.testDb.db('payments').where({ id: paymentId }).first()).toMatchObject({ dispute_id: dispute.id, dispute_status: 'needs_response' });
    expect(Number((await stack.testDb.db('payments').where({ id: paymentId }).first()).owed_micros)).toBe(7_000_000);
    expect(await stack.built.services.payments!.service.holdReason(user.userId)).toContain('disputed');
    const page = await admin.agent.get(`/admin/payments/${paymentId}`).expect(200);
    expect(page.text).toContain('Calls on hold for this user');
    // Events again (Stripe may send them twice): nothing more is reversed.
    for (const e of stack.stripe.events('charge.dispute.created')) stack.stripe.bus.resend(e.id);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, user.userId)).toBe(0);
    await fetch(`${stack.stripe.url}/control/stripe/disputes/${dispute.id}/close`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ outcome: 'won' }) });
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, user.userId)).toBe(3_000_000);
    expect(await stack.built.services.payments!.service.holdReason(user.userId)).toBeUndefined();
    await expectLedgerConsistent(stack.testDb.db);
  });
});
