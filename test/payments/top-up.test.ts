import { createHmac } from 'node:crypto';
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

const TEN = 10_000_000;

describe('card top-up through Checkout and the signed webhook', () => {
  it('POST /wallet/top-up opens a Checkout Session for the amount and sends the buyer to its page (303)', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(agent, csrf, '10');
    expect(pagePath).toBe(`/stripe-sim/checkout/${sessionId}`);
    const session = stack.stripe.state.sessions.get(sessionId)!;
    expect(session).toMatchObject({ mode: 'payment', amount_total: 1000, currency: 'usd', client_reference_id: String(userId), status: 'open' });
    expect((session.metadata as Record<string, string>).topup_id).toMatch(/^tu_/);
    const page = await agent.get(pagePath).expect(200);
    expect(page.text).toContain('Pay <strong>$10.00</strong>');
  });

  it('credits exactly once after paying with 4242…, and resending the event three times changes nothing', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(agent, csrf, '10');
    const paid = await payOnPage(agent, pagePath, '4242 4242 4242 4242').expect(303);
    expect(paid.headers.location).toBe(`${stack.baseUrl}/wallet/top-up/return?session_id=${sessionId}`);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(TEN);
    const [completed] = stack.stripe.events('checkout.session.completed');
    for (let i = 0; i < 3; i++) stack.stripe.bus.resend(completed!.id);
    await stack.stripe.waitForDeliveries();
    expect(stack.stripe.attempts(completed!.id).filter((a) => a.status === 200)).toHaveLength(4);
    expect(await balanceOf(stack, userId)).toBe(TEN);
    const entries = await stack.testDb.db('ledger_entries').where({ user_id: userId });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'purchase', reference: sessionId });
    const wallet = await agent.get('/wallet').expect(200);
    expect(wallet.text).toContain('$10.0000');
    expect(wallet.text).toMatch(/Card top-up \$10\.00/);
  });

  it('credits once with events duplicated and reordered', async () => {
    stack.stripe.setFaults({ duplicate: true, reorder: true });
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { pagePath } = await startTopUp(agent, csrf, '25');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    const [completed] = stack.stripe.events('checkout.session.completed');
    expect(stack.stripe.attempts(completed!.id).length).toBe(2);
    expect(await balanceOf(stack, userId)).toBe(25_000_000);
  });

  it('credits nothing while the events are lost, then once when the dropped event is resent', async () => {
    stack.stripe.setFaults({ drop: 100 });
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(0);
    stack.stripe.setFaults({});
    const [completed] = stack.stripe.events('checkout.session.completed');
    const resend = await fetch(`${stack.stripe.url}/control/stripe/events/${completed!.id}/resend`, { method: 'POST' });
    expect(resend.status).toBe(202);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(TEN);
    const listed = (await (await fetch(`${stack.stripe.url}/control/stripe/events`)).json()) as Array<{ id: string; type: string; attempts: Array<{ trigger: string; status: number | null }> }>;
    expect(listed.find((e) => e.id === completed!.id)!.attempts.map((a) => a.trigger)).toEqual(['auto', 'resend']);
  });

  it('the return page says "adding credit" before the webhook, and its fragment updates when the credit lands', async () => {
    stack.stripe.setFaults({ delayMs: 700 });
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    const early = await agent.get(`/wallet/top-up/return?session_id=${sessionId}`).expect(200);
    expect(early.text).toContain('Payment received, adding credit…');
    const topUpId = /\/wallet\/top-up\/(tu_\w+)\/status/.exec(early.text)![1]!;
    expect(early.text).toContain('hx-trigger="every 1s"');
    expect(await balanceOf(stack, userId)).toBe(0);
    await stack.stripe.waitForDeliveries();
    const later = await agent.get(`/wallet/top-up/${topUpId}/status`).expect(200);
    expect(later.text).toContain('$10.0000 added to your balance.');
    expect(later.text).not.toContain('hx-trigger');
    expect(later.text).not.toContain('<html');
    const receipt = await agent.get(`/wallet/top-ups/${topUpId}`).expect(200);
    expect(receipt.text).toContain('Receipt');
    expect(receipt.text).toContain(topUpId);
  });

  it('a transient 500 is retried by the SDK (same idempotency key); a 429 is not, and the user is told nothing was charged', async () => {
    stack.stripe.setFaults({ restFailure: { status: 500, count: 1 } });
    const { agent, csrf } = await loggedInUser(stack, 'ada@example.com');
    await startTopUp(agent, csrf, '10');
    expect(stack.stripe.state.sessions.size).toBe(1);
    // stripe-node retries 409 and >= 500, and a 429 only when Stripe-Should-Retry says so (stripe-behavior.md §1.7).
    stack.stripe.setFaults({ restFailure: { status: 429, count: 1 } });
    const refused = await agent.post('/wallet/top-up').type('form').send({ _csrf: csrf, amount: '10' }).expect(303);
    expect(refused.headers.location).toBe('/wallet#top-up');
    expect((await agent.get('/wallet')).text).toContain('Nothing was charged');
    expect(stack.stripe.state.sessions.size).toBe(1);
    expect(await stack.testDb.db('payments').whereNot({ status: 'open' })).toHaveLength(0);
  });
});

describe('what credits nothing', () => {
  it('a declined card shows the decline on the page and credits nothing; the session stays open', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(agent, csrf, '10');
    const declined = await payOnPage(agent, pagePath, '4000000000000002').expect(402);
    expect(declined.text).toContain('Your card was declined.');
    await stack.stripe.waitForDeliveries();
    expect(stack.stripe.events().map((e) => e.type)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
    expect(stack.stripe.state.sessions.get(sessionId)!.status).toBe('open');
    expect(await balanceOf(stack, userId)).toBe(0);
  });

  it('an authentication card asks to approve; failing it credits nothing, approving credits once', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { pagePath } = await startTopUp(agent, csrf, '10');
    const ask = await payOnPage(agent, pagePath, '4000002500003155').expect(200);
    expect(ask.text).toContain('Authenticate this payment');
    const card = { number: '4000002500003155', exp_month: '12', exp_year: String(new Date().getUTCFullYear() + 2), cvc: '123' };
    await agent.post(`${pagePath}/authenticate`).set('Sec-Fetch-Site', 'same-origin').type('form').send({ ...card, decision: 'fail' }).expect(402);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(0);
    await agent.post(`${pagePath}/authenticate`).set('Sec-Fetch-Site', 'same-origin').type('form').send({ ...card, decision: 'approve' }).expect(303);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(TEN);
  });

  it('a cancelled checkout expires the session, says nothing was charged, and credits nothing', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId } = await startTopUp(agent, csrf, '10');
    const cancelUrl = stack.stripe.state.sessions.get(sessionId)!.cancel_url as string;
    const page = await agent.get(new URL(cancelUrl).pathname).expect(200);
    expect(page.text).toContain('nothing was charged');
    await stack.stripe.waitForDeliveries();
    expect(stack.stripe.events().map((e) => e.type)).toEqual(['checkout.session.expired']);
    expect(await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first()).toMatchObject({ status: 'expired' });
    const late = await payOnPage(agent, `/stripe-sim/checkout/${sessionId}`, '4242424242424242');
    expect(late.status).toBe(409);
    expect(await balanceOf(stack, userId)).toBe(0);
  });

  it('a forged or stale signature is refused with 400 and credits nothing', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    stack.stripe.setFaults({ drop: 100 });
    const { pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    const [completed] = stack.stripe.events('checkout.session.completed');
    const payload = JSON.stringify(completed);
    const sign = (secret: string, t: number) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
    const now = Math.floor(Date.now() / 1000);
    const post = (signature: string | undefined, body = payload) => fetch(`${stack.baseUrl}/webhooks/stripe`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(signature ? { 'Stripe-Signature': signature } : {}) }, body });
    expect((await post(sign('whsec_not_the_endpoint_secret', now))).status).toBe(400);
    expect((await post(sign(stack.stripe.webhookSecret, now - 600))).status).toBe(400);
    expect((await post(undefined)).status).toBe(400);
    expect((await post(sign(stack.stripe.webhookSecret, now), payload.replace('"paid"', '"paid" '))).status).toBe(400);
    expect(await balanceOf(stack, userId)).toBe(0);
    // The same bytes correctly signed and fresh are accepted.
    expect((await post(sign(stack.stripe.webhookSecret, now))).status).toBe(200);
    await stack.stripe.waitForDeliveries();
    expect(await balanceOf(stack, userId)).toBe(TEN);
  });

  it('refuses amounts outside the limits or not in cents, naming the field', async () => {
    const { agent, csrf } = await loggedInUser(stack, 'ada@example.com');
    for (const amount of ['1', '10000', 'ten', '10.001']) {
      const res = await agent.post('/wallet/top-up').type('form').send({ _csrf: csrf, amount }).expect(303);
      expect(res.headers.location).toBe('/wallet#top-up');
      const page = await agent.get('/wallet');
      expect(page.text).toContain('Top-up amount:');
    }
    expect(stack.stripe.state.sessions.size).toBe(0);
    await agent.post('/wallet/top-up').type('form').send({ amount: '10' }).expect(403);
  });

  it('an unconfirmed account cannot pay: the top-up is refused and no Checkout Session is opened', async () => {
    const agent = (await import('supertest')).default.agent(stack.baseUrl);
    const form = await agent.get('/signup');
    await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Eve', email: 'eve@example.com', password: 'correct horse battery' }).expect(303);
    const login = await agent.get('/login');
    await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'eve@example.com', password: 'correct horse battery' }).expect(303);
    const wallet = await agent.get('/wallet').expect(200);
    const res = await agent.post('/wallet/top-up').type('form').send({ _csrf: csrfTokenFrom(wallet.text), amount: '10' }).expect(303);
    expect(res.headers.location).toBe('/account');
    expect((await agent.get('/account')).text).toContain('Confirm your email address first');
    expect(stack.stripe.state.sessions.size).toBe(0);
  });

  it("another user's top-up pages answer 404", async () => {
    const ada = await loggedInUser(stack, 'ada@example.com');
    const { sessionId } = await startTopUp(ada.agent, ada.csrf, '10');
    const bob = await loggedInUser(stack, 'bob@example.com');
    await bob.agent.get(`/wallet/top-up/return?session_id=${sessionId}`).expect(404);
    const row = await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first('public_id');
    await bob.agent.get(`/wallet/top-up/${row.public_id}/status`).expect(404);
    await bob.agent.get(`/wallet/top-up/${row.public_id}/cancel`).expect(404);
    expect(stack.stripe.state.sessions.get(sessionId)!.status).toBe('open');
  });
});
