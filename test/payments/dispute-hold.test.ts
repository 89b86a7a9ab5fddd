import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent, accountOf } from '../helpers/ledger.js';
import { DESTINATION, startCallHarness, type CallHarness } from '../calls/helpers/call-harness.js';

/**
 * The whole product: the Twilio simulator for calls, the Stripe simulator reached by the real stripe SDK for the
 * card payment, its dispute and the dispute's outcome, all events signed and delivered to /webhooks/stripe.
 */
let h: CallHarness;
beforeEach(async () => {
  h = await startCallHarness({ stripe: true });
});
afterEach(async () => {
  await h.stripe?.waitForDeliveries(5_000).catch(() => undefined);
  await expectLedgerConsistent(h.testDb.db);
  await h.close();
});

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function paidTopUp(amount: string): Promise<{ chargeId: string; paymentId: number }> {
  const wallet = await h.agent.get('/wallet').expect(200);
  const start = await h.agent.post('/wallet/top-up').type('form').send({ _csrf: csrfTokenFrom(wallet.text), amount }).expect(303);
  const sessionId = new URL(start.headers.location!).pathname.split('/').pop()!;
  const paid = await post(`${h.stripe!.url}/control/stripe/checkout/sessions/${sessionId}/pay`, { number: '4242424242424242' });
  expect(((await paid.json()) as { result: string }).result).toBe('paid');
  await delivered();
  const payment = await h.testDb.db('payments').where({ checkout_session_id: sessionId }).first();
  expect(payment.status).toBe('credited');
  const charge = [...h.stripe!.state.charges.values()].find((c) => c.payment_intent === payment.payment_intent_id)!;
  return { chargeId: charge.id, paymentId: Number(payment.id) };
}

/** The simulator's deliveries done and the stripe.event jobs they queued applied. */
async function delivered() {
  await h.stripe!.waitForDeliveries();
  await h.built.services.payments!.inbox.settled();
}

async function placeCall() {
  return h.agent.post('/calls').type('form').send({ _csrf: h.csrf, to: DESTINATION });
}

describe('a disputed card payment puts calls on hold', () => {
  it('charge.dispute.created refuses the next call with a clear message, the admin sees why, and a won dispute lifts the hold', async () => {
    const { chargeId, paymentId } = await paidTopUp('10');
    const opened = await post(`${h.stripe!.url}/control/stripe/charges/${chargeId}/dispute`, {});
    const dispute = (await opened.json()) as { id: string };
    await delivered();

    // The web page: refused, with the reason, and no call created.
    const refused = await placeCall();
    expect(refused.status).toBe(303);
    const page = await h.agent.get(refused.headers.location!);
    expect(page.text).toContain('Calls are on hold for your account: A card payment of yours is disputed with your bank.');
    expect(await h.testDb.db('calls').where({ user_id: h.userId })).toHaveLength(0);
    // The wallet says so too.
    expect((await h.agent.get('/wallet')).text).toContain('Calls are on hold for your account: A card payment of yours is disputed with your bank.');
    // The service says the same to every caller (the API maps it to 403 account_on_hold).
    expect(await h.built.services.calls.start({ userId: h.userId, to: DESTINATION })).toMatchObject({ ok: false, reason: 'account-on-hold' });

    // The admin sees why, on the user's page and the payment's (the user made admin for a moment, to read them).
    await h.testDb.db('users').where({ id: h.userId }).update({ role: 'admin' });
    const userPage = await h.agent.get(`/admin/users/${h.userId}`).expect(200);
    expect(userPage.text).toContain('Calls on hold for this user: A card payment of yours is disputed with your bank.');
    expect((await h.agent.get(`/admin/payments/${paymentId}`).expect(200)).text).toContain('Calls on hold for this user');
    await h.testDb.db('users').where({ id: h.userId }).update({ role: 'user' });

    // Won: the credit comes back and the next call is placed.
    await post(`${h.stripe!.url}/control/stripe/disputes/${dispute.id}/close`, { outcome: 'won' });
    await delivered();
    expect(await h.built.services.payments!.service.holdReason(h.userId)).toBeUndefined();
    expect((await h.agent.get('/wallet')).text).not.toContain('Calls are on hold');
    const placed = await placeCall();
    expect(placed.status).toBe(303);
    expect(placed.headers.location).toMatch(/^\/calls\//);
    const callId = placed.headers.location!.split('/').pop()!;
    await h.waitForCall(callId, (c) => c.settledAt !== null, 20_000);
  });

  it('a lost dispute keeps the hold while money is owed', async () => {
    const { chargeId } = await paidTopUp('10');
    // Spend part of it first: the dispute takes back what is left and records the rest as owed.
    await h.built.services.money.wallet.credit(h.userId, { kind: 'adjustment', amountMicros: -12_000_000, description: 'calls (test)' });
    const dispute = (await (await post(`${h.stripe!.url}/control/stripe/charges/${chargeId}/dispute`, {})).json()) as { id: string };
    await delivered();
    await post(`${h.stripe!.url}/control/stripe/disputes/${dispute.id}/close`, { outcome: 'lost' });
    await delivered();
    expect(await h.built.services.payments!.service.holdReason(h.userId)).toBe('You owe $7.0000 from a reversed card payment.');
    const refused = await placeCall();
    expect((await h.agent.get(refused.headers.location!)).text).toContain('You owe $7.0000 from a reversed card payment.');

    // The next top-up pays it first: $10 in, $7 repaid, the hold lifted, once however often its events come.
    const before = Number((await h.testDb.db('wallets').where({ account_id: await accountOf(h.testDb.db, h.userId) }).first('balance_micros')).balance_micros);
    await paidTopUp('10');
    for (const e of h.stripe!.events('checkout.session.completed')) h.stripe!.bus.resend(e.id);
    await delivered();
    expect(Number((await h.testDb.db('wallets').where({ account_id: await accountOf(h.testDb.db, h.userId) }).first('balance_micros')).balance_micros)).toBe(before + 3_000_000);
    expect(await h.built.services.payments!.service.holdReason(h.userId)).toBeUndefined();
    const repayments = await h.testDb.db('ledger_entries').where({ user_id: h.userId }).andWhere('description', 'like', 'Repaid what was owed%');
    expect(repayments.map((e: { amount_micros: number | string }) => Number(e.amount_micros))).toEqual([-7_000_000]);
  });
});
