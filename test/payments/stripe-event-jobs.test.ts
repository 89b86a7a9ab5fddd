import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { expectLedgerConsistent, accountOf } from '../helpers/ledger.js';
import { startCallHarness, type CallHarness } from '../calls/helpers/call-harness.js';

/**
 * The webhook endpoint stores and answers; the stripe.event job (real Agenda, as in production) applies. Events come
 * from the Stripe simulator, signed, after the real stripe SDK opened the session.
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

async function payTopUp(amount: string): Promise<string> {
  const wallet = await h.agent.get('/wallet').expect(200);
  const start = await h.agent.post('/wallet/top-up').type('form').send({ _csrf: csrfTokenFrom(wallet.text), amount }).expect(303);
  const sessionId = new URL(start.headers.location!).pathname.split('/').pop()!;
  expect(((await (await post(`${h.stripe!.url}/control/stripe/checkout/sessions/${sessionId}/pay`, { number: '4242424242424242' })).json()) as { result: string }).result).toBe('paid');
  return sessionId;
}

async function applied(timeoutMs = 10_000) {
  await h.stripe!.waitForDeliveries(timeoutMs);
  await h.built.services.payments!.inbox.settled(timeoutMs);
}

describe('Stripe events are stored by the endpoint and applied by a job, exactly once', () => {
  it('duplicated, reordered and resent events: one row per event id, one credit, every delivery answered 200', async () => {
    h.stripe!.setFaults({ duplicate: true, reorder: true });
    const before = await balance();
    await payTopUp('10');
    await applied();
    const [completed] = h.stripe!.events('checkout.session.completed');
    for (let i = 0; i < 3; i++) h.stripe!.bus.resend(completed!.id);
    await applied();
    expect((await balance()) - before).toBe(10_000_000);
    expect(await h.testDb.db('ledger_entries').where({ user_id: h.userId, kind: 'purchase' })).toHaveLength(1);
    const rows = await h.testDb.db('stripe_events');
    expect(rows).toHaveLength(h.stripe!.events().length);
    expect(rows.every((r: { processed_at: string | null }) => r.processed_at !== null)).toBe(true);
    const attempts = h.stripe!.events().flatMap((e) => h.stripe!.attempts(e.id));
    expect(attempts.length).toBeGreaterThanOrEqual(h.stripe!.events().length * 2 + 3);
    expect(attempts.every((a) => a.status === 200)).toBe(true);
  });

  it('answers 200 before the work is done: with the work held up, every delivery is already answered and nothing is credited yet', async () => {
    const service = h.built.services.payments!.service;
    const original = service.handleEvent.bind(service);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    service.handleEvent = async (event) => {
      await gate;
      return original(event);
    };
    const before = await balance();
    await payTopUp('10');
    await h.stripe!.waitForDeliveries(5_000);
    const [completed] = h.stripe!.events('checkout.session.completed');
    expect(h.stripe!.attempts(completed!.id).map((a) => a.status)).toEqual([200]);
    expect(await balance()).toBe(before);
    expect(await h.built.services.payments!.inbox.pending()).toBeGreaterThan(0);
    release();
    await applied();
    expect((await balance()) - before).toBe(10_000_000);
  });

  it('answers 200 even while the work fails; the job retries until it is applied, once', async () => {
    const service = h.built.services.payments!.service;
    const original = service.handleEvent.bind(service);
    let failures = 0;
    service.handleEvent = async (event) => {
      if (event.type === 'checkout.session.completed' && failures < 2) {
        failures += 1;
        throw new Error('database hiccup (test)');
      }
      return original(event);
    };
    const before = await balance();
    const sessionId = await payTopUp('10');
    await applied(15_000);
    expect(failures).toBe(2);
    const [completed] = h.stripe!.events('checkout.session.completed');
    // Stripe saw one successful delivery: no retry of its own was needed.
    expect(h.stripe!.attempts(completed!.id).map((a) => a.status)).toEqual([200]);
    const row = await h.testDb.db('stripe_events').where({ event_id: completed!.id }).first();
    expect(Number(row.attempts)).toBe(3);
    expect(row.processed_at).not.toBeNull();
    expect((await balance()) - before).toBe(10_000_000);
    expect(await h.testDb.db('payments').where({ checkout_session_id: sessionId }).first()).toMatchObject({ status: 'credited' });
  });
});
