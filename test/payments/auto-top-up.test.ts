import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent, accountOf, insertTeam } from '../helpers/ledger.js';
import { AUTO_TOP_UPS_PER_DAY } from '../../src/payments/auto-top-up.js';
import { DESTINATION, USER_PHONE, startCallHarness, type CallHarness } from '../calls/helpers/call-harness.js';

/**
 * Saved card and automatic top-up through the whole product: the card is saved at a Checkout top-up (the real
 * stripe SDK against the simulator, setup_future_usage), a call's settlement through the Twilio simulator crosses
 * the threshold, and the payments.auto-top-up job (real Agenda) charges off-session.
 */
let h: CallHarness;
beforeEach(async () => {
  h = await startCallHarness({ stripe: true });
});
afterEach(async () => {
  await h.stripe?.waitForDeliveries(5_000).catch(() => undefined);
  await h.built.services.payments!.inbox.settled(10_000).catch(() => undefined);
  await expectLedgerConsistent(h.testDb.db);
  await h.close();
});

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const balance = async () => Number((await h.testDb.db('wallets').where({ account_id: await accountOf(h.testDb.db, h.userId) }).first('balance_micros')).balance_micros);
const autoPayments = () => h.testDb.db('payments').where({ user_id: h.userId }).whereNotNull('auto_crossing').orderBy('id');

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function settledEvents() {
  await h.stripe!.waitForDeliveries(10_000);
  await h.built.services.payments!.inbox.settled(10_000);
}

/** A $10 Checkout top-up with "Save this card" ticked, paid with `number` (approving authentication if asked). */
async function topUpSavingCard(number: string): Promise<void> {
  const wallet = await h.agent.get('/wallet').expect(200);
  const start = await h.agent.post('/wallet/top-up').type('form').send({ _csrf: csrfTokenFrom(wallet.text), amount: '10', save_card: '1' }).expect(303);
  const sessionId = new URL(start.headers.location!).pathname.split('/').pop()!;
  const session = h.stripe!.state.sessions.get(sessionId)!;
  expect(session.customer).toMatch(/^cus_/);
  const paid = await post(`${h.stripe!.url}/control/stripe/checkout/sessions/${sessionId}/pay`, { number, authenticate: true });
  expect(((await paid.json()) as { result: string }).result).toBe('paid');
  await settledEvents();
}

async function configure(threshold: string, amount: string) {
  const wallet = await h.agent.get('/wallet').expect(200);
  return h.agent.post('/wallet/auto-top-up').type('form').send({ _csrf: csrfTokenFrom(wallet.text), enabled: '1', threshold, amount }).expect(303);
}

async function settledCall(): Promise<number> {
  // Both phones answer and talk for half a minute: a call with a charge.
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 30 });
  const placed = await h.agent.post('/calls').type('form').send({ _csrf: h.csrf, to: DESTINATION }).expect(303);
  expect(placed.headers.location).toMatch(/^\/calls\//);
  const call = await h.waitForCall(placed.headers.location!.split('/').pop()!, (c) => c.settledAt !== null, 20_000);
  return call.costMicros ?? 0;
}

describe('saved card and automatic top-up', () => {
  it('saves the card at a top-up; a settlement crossing the threshold tops up once, off-session, and re-arms above it', async () => {
    await topUpSavingCard('4242424242424242');
    const wallet = await h.agent.get('/wallet').expect(200);
    expect(wallet.text).toContain('Saved card: <strong>VISA ending 4242</strong>');
    const before = await balance();
    // A cent under the balance: the next call's charge crosses it.
    await configure(((before - 10_000) / 1_000_000).toFixed(2), '20');
    const settings = await h.built.services.payments!.autoTopUps.settings(h.userId);
    expect(settings).toMatchObject({ enabled: true, amountMicros: 20_000_000 });

    const cost = await settledCall();
    expect(cost).toBeGreaterThan(0);
    const [auto] = await until(autoPayments, (rows) => rows.length === 1 && rows[0].status === 'credited');
    expect(Number(auto.amount_micros)).toBe(20_000_000);
    await settledEvents();
    // The same crossing reported again (another settlement, concurrently) starts nothing more.
    await Promise.all(Array.from({ length: 5 }, () => h.built.services.payments!.autoTopUps.balanceChanged(h.userId)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await autoPayments()).toHaveLength(1);
    expect(await balance()).toBe(before - cost + 20_000_000);
    const entries = await h.testDb.db('ledger_entries').where({ user_id: h.userId, kind: 'purchase' }).orderBy('id');
    expect(entries.map((e: { description: string }) => e.description)).toEqual(['Card top-up $10.0000', 'Automatic top-up $20.0000']);
    // Stripe saw one off-session PaymentIntent for the saved card and customer.
    const intents = h.stripe!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    expect(intents).toHaveLength(1);
    expect(intents[0]!.body).toMatchObject({ off_session: 'true', confirm: 'true', customer: settings!.customerId, payment_method: settings!.paymentMethodId });
    // Well above the threshold now: another call re-arms it without charging.
    await settledCall();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await autoPayments()).toHaveLength(1);
    const receipts = (await h.built.services.email.outboxJson(h.email)).filter((e) => e.subject.startsWith('Receipt'));
    expect(receipts).toHaveLength(2);
  });

  it("watches the personal wallet only: a call paid by a team claims no crossing and charges no card; the next personal call does", async () => {
    await topUpSavingCard('4242424242424242');
    // The personal balance is already under the threshold, and armed: the next settlement that checks it charges.
    await configure(((await balance()) / 1_000_000 + 1).toFixed(2), '20');
    const team = await insertTeam(h.testDb.db, 'Acme', [{ userId: h.userId, role: 'owner' }]);
    await h.built.services.money.ledger.credit({ accountId: team, userId: h.userId }, { kind: 'grant', amountMicros: 5_000_000, description: 'Team credit' });
    const payFrom = async (account: number) => expect((await h.agent.post('/dial/pay-from').type('form').send({ _csrf: h.csrf, account: String(account) })).status).toBe(303);

    await payFrom(team);
    const personalBefore = await balance();
    expect(await settledCall()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await autoPayments()).toHaveLength(0);
    expect(await balance()).toBe(personalBefore);
    // The crossing is still there to be claimed: the team call did not take it.
    const state = await h.testDb.db('auto_top_ups').where({ user_id: h.userId }).first<{ armed: number | boolean; crossings: number | string }>('armed', 'crossings');
    expect({ armed: Boolean(state!.armed), crossings: Number(state!.crossings) }).toEqual({ armed: true, crossings: 0 });

    await payFrom(await accountOf(h.testDb.db, h.userId));
    const cost = await settledCall();
    const [auto] = await until(autoPayments, (rows) => rows.length === 1 && rows[0].status === 'credited');
    expect(Number(auto.amount_micros)).toBe(20_000_000);
    await settledEvents();
    expect(await balance()).toBe(personalBefore - cost + 20_000_000);
  });

  it('a card that needs authentication off-session: no credit, a banner and an email, paused after 3 failures; removing the card', async () => {
    // 4000 0027 6000 3184 asks for authentication on every payment, so off-session it always fails.
    await topUpSavingCard('4000002760003184');
    await configure('14', '20');
    const crossings = async () => {
      await h.built.services.money.wallet.credit(h.userId, { kind: 'adjustment', amountMicros: -((await balance()) - 13_000_000), description: 'calls (test)' });
      await h.built.services.payments!.autoTopUps.balanceChanged(h.userId);
    };
    const rearm = async () => {
      await h.built.services.money.wallet.credit(h.userId, { kind: 'grant', amountMicros: 2_000_000, description: 'test credit' });
      await h.built.services.payments!.autoTopUps.balanceChanged(h.userId);
    };
    await crossings();
    await until(autoPayments, (rows) => rows.length === 1 && rows[0].status === 'failed');
    expect(await balance()).toBe(13_000_000);
    const wallet = await h.agent.get('/wallet').expect(200);
    expect(wallet.text).toContain('Automatic top-up failed on');
    expect(wallet.text).toContain('Your bank asks you to confirm this payment');
    await h.built.services.email.idle();
    await until(async () => (await h.built.services.email.outboxJson(h.email)).filter((e) => e.subject === 'Automatic top-up failed'), (mails) => mails.length === 1);

    for (let i = 2; i <= 3; i++) {
      await rearm();
      await crossings();
      await until(autoPayments, (rows) => rows.length === i && rows[i - 1].status === 'failed');
    }
    const paused = await h.built.services.payments!.autoTopUps.settings(h.userId);
    expect(paused).toMatchObject({ failures: 3 });
    expect(paused!.pausedAt).not.toBeNull();
    expect((await h.agent.get('/wallet')).text).toContain('It is paused after 3 failures');
    // Paused: a fourth crossing charges nothing.
    await rearm();
    await crossings();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await autoPayments()).toHaveLength(3);
    expect(h.stripe!.events('payment_intent.payment_failed').length).toBe(3);

    const confirm = await h.agent.get('/wallet/card/remove').expect(200);
    expect(confirm.text).toContain('Remove your saved card?');
    await h.agent.post('/wallet/card/remove').type('form').send({ _csrf: csrfTokenFrom(confirm.text) }).expect(303);
    const settings = await h.built.services.payments!.autoTopUps.settings(h.userId);
    expect(settings).toMatchObject({ paymentMethodId: null, enabled: false });
    expect(h.stripe!.state.methods.get(paused!.paymentMethodId!)!.customer).toBeNull();
    expect((await h.agent.get('/wallet')).text).toContain('No saved card');
  });

  it(`charges at most ${AUTO_TOP_UPS_PER_DAY} times a day, whatever the crossings`, async () => {
    await topUpSavingCard('4242424242424242');
    await configure('14', '5');
    const cross = async () => {
      await h.built.services.money.wallet.credit(h.userId, { kind: 'adjustment', amountMicros: -((await balance()) - 13_000_000), description: 'calls (test)' });
      await h.built.services.payments!.autoTopUps.balanceChanged(h.userId);
    };
    for (let i = 1; i <= AUTO_TOP_UPS_PER_DAY; i++) {
      await cross();
      // Credited at $18, above the threshold: the top-up itself re-arms it.
      await until(autoPayments, (rows) => rows.length === i && rows[i - 1].status === 'credited');
      await settledEvents();
    }
    await cross();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await autoPayments()).toHaveLength(AUTO_TOP_UPS_PER_DAY);
    expect(await balance()).toBe(13_000_000);
  });

  it('refuses to turn automatic top-up on without a saved card, naming the field', async () => {
    const res = await configure('5', '20');
    expect(res.headers.location).toBe('/wallet#auto-top-up');
    expect((await h.agent.get('/wallet')).text).toContain('Automatic top-up: Save a card first');
  });
});
