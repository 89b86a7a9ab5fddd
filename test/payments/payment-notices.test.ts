import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { loggedInUser, payOnPage, startPaymentsStack, startTopUp, type PaymentsStack } from './helpers/payments-stack.js';

let stack: PaymentsStack;
beforeEach(async () => {
  stack = await startPaymentsStack();
});
afterEach(async () => {
  await stack.stripe.waitForDeliveries(5_000).catch(() => undefined);
  await expectLedgerConsistent(stack.testDb.db);
  await stack.close();
});

async function emailsTo(address: string, subject: string) {
  await stack.built.services.email.idle();
  return (await stack.built.services.email.outboxJson(address)).filter((e) => e.subject === subject);
}

async function resendAll(type: string, times: number) {
  for (const event of stack.stripe.events(type)) for (let i = 0; i < times; i++) stack.stripe.bus.resend(event.id);
  await stack.stripe.waitForDeliveries();
}

describe('emails about money', () => {
  it('a credited top-up sends one receipt, with the amount, the new balance and a receipt link, however often the events come', async () => {
    stack.stripe.setFaults({ duplicate: true, reorder: true });
    const { agent, csrf } = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    await resendAll('checkout.session.completed', 3);
    const receipts = await emailsTo('ada@example.com', 'Receipt: your callbridge top-up');
    expect(receipts).toHaveLength(1);
    const publicId = String((await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first('public_id')).public_id);
    expect(receipts[0]!.text).toContain('$10.0000 was added to your callbridge balance');
    expect(receipts[0]!.text).toContain('Your balance is now $10.0000.');
    expect(receipts[0]!.links).toContain(`${stack.baseUrl}/wallet/top-ups/${publicId}`);
    // An optional notice: it carries a one-click unsubscribe.
    const stored = await stack.built.services.email.store.find((await stack.built.services.email.outboxJson('ada@example.com')).find((e) => e.subject.startsWith('Receipt'))!.id);
    expect(stored!.headers['List-Unsubscribe']).toMatch(/\/notices\/unsubscribe\?/);
  });

  it('a declined card or a cancelled checkout sends no receipt', async () => {
    const { agent, csrf } = await loggedInUser(stack, 'ada@example.com');
    const { pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4000000000000002').expect(402);
    const second = await startTopUp(agent, csrf, '10');
    await agent.get(new URL(stack.stripe.state.sessions.get(second.sessionId)!.cancel_url as string).pathname).expect(200);
    await stack.stripe.waitForDeliveries();
    expect(await emailsTo('ada@example.com', 'Receipt: your callbridge top-up')).toHaveLength(0);
  });

  it('a user who switched receipts off gets none', async () => {
    const { agent, csrf, userId } = await loggedInUser(stack, 'ada@example.com');
    await stack.built.services.email.notices.setPreferences(userId, ['low-balance', 'auto-top-up']);
    const { pagePath } = await startTopUp(agent, csrf, '10');
    await payOnPage(agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    expect(await emailsTo('ada@example.com', 'Receipt: your callbridge top-up')).toHaveLength(0);
  });

  it('a refund sends one refund notice when Stripe confirms it, even when its events are delivered again', async () => {
    const user = await loggedInUser(stack, 'ada@example.com');
    const { sessionId, pagePath } = await startTopUp(user.agent, user.csrf, '10');
    await payOnPage(user.agent, pagePath, '4242424242424242').expect(303);
    await stack.stripe.waitForDeliveries();
    const paymentId = Number((await stack.testDb.db('payments').where({ checkout_session_id: sessionId }).first('id')).id);
    const admin = await loggedInUser(stack, 'admin@example.com');
    await stack.testDb.db('users').where({ id: admin.userId }).update({ role: 'admin' });
    const page = await admin.agent.get(`/admin/payments/${paymentId}`).expect(200);
    await admin.agent.post(`/admin/payments/${paymentId}/refund`).type('form').send({ _csrf: csrfTokenFrom(page.text), amount: '4' }).expect(303);
    await stack.stripe.waitForDeliveries();
    await resendAll('refund.created', 2);
    const notices = await emailsTo('ada@example.com', 'Your callbridge refund');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('We refunded $4.0000');
    expect(notices[0]!.text).toContain('Your balance is now $6.0000.');
  });
});
