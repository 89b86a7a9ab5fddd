import { afterEach, describe, expect, it } from 'vitest';
import { constant } from 'agenda';
import { signPayload, verifySignature } from '../../src/api/webhooks/webhook-signing.js';
import { MAX_DELIVERY_ATTEMPTS, type CompletedCall } from '../../src/api/webhooks/webhook-deliveries.js';
import { createSchedulerTestbed, type SchedulerTestbed } from '../jobs/helpers/scheduler-testbed.js';
import { waitFor } from '../jobs/helpers/wait.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createTokenViaPage } from './helpers/tokens.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { OpenApiValidator } from './helpers/openapi-validator.js';

let t: TestApp | undefined;
let bed: SchedulerTestbed | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await bed?.destroy();
  await t?.close();
  for (const close of closers.splice(0)) await close();
  t = undefined;
  bed = undefined;
});

describe('webhook signatures', () => {
  const body = '{"type":"call.completed"}';
  it('sign with HMAC-SHA256 over "timestamp.body" and verify within the tolerance only', () => {
    const header = signPayload('whsec_test', 1_700_000_000, body);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_test', header, body, 1_700_000_100)).toBe(true);
    expect(verifySignature('whsec_other', header, body, 1_700_000_100)).toBe(false);
    expect(verifySignature('whsec_test', header, body + ' ', 1_700_000_100)).toBe(false);
    expect(verifySignature('whsec_test', header, body, 1_700_000_301)).toBe(false);
    expect(verifySignature('whsec_test', 'garbage', body, 1_700_000_000)).toBe(false);
  });
});

/** An app with a started job scheduler whose delivery job runs the app's own webhooks service; retries in 50 ms. */
async function appWithScheduler() {
  const holder: { app?: TestApp } = {};
  bed = await createSchedulerTestbed({
    webhookBackoff: constant({ delay: 50, maxRetries: MAX_DELIVERY_ATTEMPTS }),
    handlers: {
      hangupCall: async () => undefined,
      reconcileCalls: async () => undefined,
      resetFreeMinutes: async () => undefined,
      deliverWebhook: async (id) => void (await holder.app!.services.api.webhooks.attempt(id)),
    },
  });
  await bed.scheduler.start();
  t = await createTestApp({}, {}, { jobs: bed.scheduler });
  holder.app = t;
  return t;
}

function completedCall(userId: number, id = 'call_1'): CompletedCall {
  return { id, userId, to: '+442079460958', status: 'completed', createdAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:01:02.000Z', durationSeconds: 62, chargedMicros: 240_000, currency: 'USD' };
}

describe('call.completed webhooks', () => {
  it('delivers a signed call.completed once per call, retries with backoff after failures, and logs it on the account page', async () => {
    const app = await appWithScheduler();
    const receiver = await startWebhookReceiver([500, 503]);
    closers.push(receiver.close);
    const { agent } = await signedUpAgent(app);
    const { webhookSecret } = await createTokenViaPage(agent, { name: 'Helpdesk', webhook_url: receiver.url });
    await createTokenViaPage(agent, { name: 'No hook' });
    expect(webhookSecret).toMatch(/^whsec_/);
    const user = await app.testDb.db('users').first();

    expect(await app.services.api.webhooks.callCompleted(completedCall(user.id))).toBe(1);
    // Settlement running twice (a late callback and the reconciler) must not notify twice.
    expect(await app.services.api.webhooks.callCompleted(completedCall(user.id))).toBe(0);
    await waitFor(async () => (await app.testDb.db('webhook_deliveries').first()).status === 'delivered', 'delivery after two failures');
    expect(receiver.received).toHaveLength(3);
    const last = receiver.received[2]!;
    const payload = JSON.parse(last.body);
    new OpenApiValidator().assertSchema('CallCompletedEvent', payload);
    expect(payload).toMatchObject({ type: 'call.completed', data: { call: { id: 'call_1', status: 'completed', durationSeconds: 62 }, cost: { micros: 240_000, currency: 'USD' } } });
    expect(verifySignature(webhookSecret!, String(last.headers['callbridge-signature']), last.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(receiver.received.every((r) => r.body === last.body)).toBe(true);
    const row = await app.testDb.db('webhook_deliveries').first();
    expect(row).toMatchObject({ attempts: 3, last_status_code: 200, status: 'delivered' });

    const page = (await agent.get('/account')).text;
    expect(page).toContain('Recent webhook deliveries');
    expect(page).toMatch(/Helpdesk<\/td>\s*<td data-label="Event">call.completed <span class="hint">call_1<\/span><\/td>\s*<td data-label="Status">Delivered/);
  });

  it('gives up after the last attempt and shows the failure; revoked tokens get no webhooks', async () => {
    const app = await appWithScheduler();
    const receiver = await startWebhookReceiver(Array(20).fill(500));
    closers.push(receiver.close);
    const { agent } = await signedUpAgent(app);
    await createTokenViaPage(agent, { name: 'Flaky', webhook_url: receiver.url });
    const user = await app.testDb.db('users').first();
    await app.services.api.webhooks.callCompleted(completedCall(user.id));
    await waitFor(async () => (await app.testDb.db('webhook_deliveries').first()).status === 'failed', 'giving up', 15_000);
    expect(receiver.received).toHaveLength(MAX_DELIVERY_ATTEMPTS);
    expect((await agent.get('/account')).text).toMatch(/Failed<br><span class="hint">endpoint error 5xx<\/span>/);

    await app.testDb.db('api_tokens').update({ revoked_at: new Date().toISOString() });
    expect(await app.services.api.webhooks.callCompleted(completedCall(user.id, 'call_2'))).toBe(0);
  });
});
