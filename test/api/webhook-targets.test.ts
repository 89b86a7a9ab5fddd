import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constant } from 'agenda';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERIES_IN_FLIGHT_PER_USER, type CompletedCall } from '../../src/api/webhooks/webhook-deliveries.js';
import { sendToTarget } from '../../src/api/webhooks/webhook-sender.js';
import { isRefusedAddress, resolveWebhookTarget, webhookTargetPolicy } from '../../src/api/webhooks/webhook-target.js';
import { createTestApp, csrfTokenFrom, localListenerTargets, signedUpAgent, type TestApp } from '../helpers/app.js';
import { createSchedulerTestbed, type SchedulerTestbed } from '../jobs/helpers/scheduler-testbed.js';
import { waitFor } from '../jobs/helpers/wait.js';
import { createTokenViaPage } from './helpers/tokens.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

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

const PUBLIC = '93.184.215.14';
/** A resolver for names the tests make up; anything else does not exist. */
function fakeDns(names: Record<string, string[]>) {
  return async (host: string) => {
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** Every form issue 26 #4 found accepted, plus the neighbours of each range. */
const REFUSED_URLS = [
  'https://169.254.169.254/latest/meta-data/',
  'https://10.0.0.5/hook',
  'https://10.255.255.255/hook',
  'https://172.16.0.1/hook',
  'https://172.31.255.1/hook',
  'https://192.168.1.1/hook',
  'https://127.0.0.1/hook',
  'https://127.8.9.10/hook',
  'https://[::1]/hook',
  'https://0.0.0.0/hook',
  'https://[::]/hook',
  'https://2130706433/hook',
  'https://0x7f000001/hook',
  'https://0x7f.1/hook',
  'https://0177.0.0.1/hook',
  'https://017700000001/hook',
  'https://localhost/hook',
  'https://LOCALHOST./hook',
  'https://api.localhost/hook',
  'https://[::ffff:127.0.0.1]/hook',
  'https://[::ffff:a9fe:a9fe]/hook',
  'https://[fe80::1]/hook',
  'https://[fd00::1]/hook',
  'https://224.0.0.1/hook',
  'https://[ff02::1]/hook',
  'https://100.64.0.1/hook',
  'https://255.255.255.255/hook',
  'https://private.example.com/hook', // resolves to 10.1.2.3
  'https://mixed.example.com/hook', // one public and one loopback address
  'http://public.example.com/hook', // plain http without an admin's allowance
];

describe('webhook URLs: public https addresses only (issue 26 #4)', () => {
  const policy = webhookTargetPolicy({ resolve: fakeDns({ 'public.example.com': [PUBLIC], 'private.example.com': ['10.1.2.3'], 'mixed.example.com': [PUBLIC, '127.0.0.1'] }) });

  it.each(REFUSED_URLS)('refuses %s', async (url) => {
    expect(await resolveWebhookTarget(url, policy)).toMatchObject({ ok: false });
  });

  it('accepts public addresses, and http only for a host an admin allowed', async () => {
    expect(await resolveWebhookTarget('https://public.example.com/hook', policy)).toMatchObject({ ok: true, address: PUBLIC });
    expect(await resolveWebhookTarget('https://8.8.8.8/hook', policy)).toMatchObject({ ok: true });
    expect(await resolveWebhookTarget('https://[2606:4700:4700::1111]/hook', policy)).toMatchObject({ ok: true });
    const allowed = webhookTargetPolicy({ httpHosts: ['public.example.com'], resolve: policy.resolve });
    expect(await resolveWebhookTarget('http://public.example.com/hook', allowed)).toMatchObject({ ok: true });
    // An allowance for http is not an allowance for a private address.
    expect(await resolveWebhookTarget('http://private.example.com/hook', webhookTargetPolicy({ httpHosts: ['private.example.com'], resolve: policy.resolve }))).toMatchObject({ ok: false, reason: 'refused-address' });
    expect(isRefusedAddress('172.32.0.1')).toBe(false);
    expect(isRefusedAddress('172.15.255.255')).toBe(false);
  });

  it('refuses every form at save on the account page, naming the reason and saving nothing', async () => {
    t = await createTestApp({}, {}, { webhookTargets: policy });
    const { agent } = await signedUpAgent(t);
    for (const url of REFUSED_URLS) {
      const csrf = csrfTokenFrom((await agent.get('/account')).text);
      await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'Hook', scope: 'calls', webhook_url: url });
      const page = (await agent.get('/account')).text;
      expect(page, url).toMatch(/not on the public internet|Use an https:\/\/ address|full https:\/\/ address/);
    }
    expect(await t.testDb.db('api_tokens').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('a name that resolved to a public address at save but resolves to loopback at send is refused, and nothing is sent', async () => {
    const listener = await startWebhookReceiver();
    closers.push(listener.close);
    const port = new URL(listener.url).port;
    let answer = PUBLIC;
    const rebinding = webhookTargetPolicy({ httpHosts: ['rebind.example.com'], resolve: async () => [{ address: answer, family: 4 }] });
    t = await createTestApp({}, {}, { webhookTargets: rebinding });
    const { agent } = await signedUpAgent(t);
    await createTokenViaPage(agent, { name: 'Rebind', webhook_url: `http://rebind.example.com:${port}/hooks/callbridge` });
    const user = await t.testDb.db('users').first();
    answer = '127.0.0.1';
    expect(await t.services.api.webhooks.callCompleted(completedCall(user.id))).toBe(1);
    const row = await t.testDb.db('webhook_deliveries').first();
    expect(await t.services.api.webhooks.attempt(Number(row.id))).toBe('failed');
    expect(await t.testDb.db('webhook_deliveries').first()).toMatchObject({ status: 'failed', last_error: 'refused address' });
    expect(listener.received).toHaveLength(0);
    const page = (await agent.get('/account')).text;
    expect(page).toContain('refused address');
    expect(page).not.toContain('ECONNREFUSED');
  });

  it('connects to the address that was checked, never to a fresh DNS answer, and follows no redirect', async () => {
    const listener = await startWebhookReceiver([302]);
    closers.push(listener.close);
    const port = new URL(listener.url).port;
    // "pinned.invalid" exists in no DNS: the request can only have gone to the checked address.
    const target = { ok: true as const, url: new URL(`http://pinned.invalid:${port}/hooks`), host: 'pinned.invalid', address: '127.0.0.1', family: 4 as const };
    expect(await sendToTarget(target, '{}', { 'content-type': 'application/json' })).toMatchObject({ ok: false, statusCode: 302, outcome: 'endpoint error 3xx (redirects are not followed)' });
    expect(listener.received).toHaveLength(1);
    expect(listener.received[0]!.headers.host).toBe(`pinned.invalid:${port}`);
    expect(await sendToTarget(target, '{}', {})).toMatchObject({ ok: true, outcome: 'delivered' });
  });
});

function completedCall(userId: number, id = 'call_1'): CompletedCall {
  return { id, userId, to: '+442079460958', status: 'completed', createdAt: '2026-11-22T10:00:00.000Z', endedAt: '2026-11-22T10:01:02.000Z', durationSeconds: 62, chargedMicros: 240_000, currency: 'USD' };
}

/** An endpoint that accepts connections and never answers (issue 26 #5). */
async function silentListener(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((_req, res) => void hanging.push(res));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/never`,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('one user’s slow endpoint does not delay another user’s webhooks (issue 26 #5)', () => {
  it('with 12 deliveries hanging on a silent endpoint, another user’s delivery arrives within a second or two', async () => {
    const holder: { app?: TestApp } = {};
    bed = await createSchedulerTestbed({
      webhookBackoff: constant({ delay: 200, maxRetries: 100 }),
      handlers: {
        hangupCall: async () => undefined,
        reconcileCalls: async () => undefined,
        resetFreeMinutes: async () => undefined,
        deliverWebhook: async (id) => void (await holder.app!.services.api.webhooks.attempt(id)),
      },
    });
    await bed.scheduler.start();
    t = await createTestApp({}, {}, { jobs: bed.scheduler, webhookTargets: localListenerTargets() });
    holder.app = t;
    const silent = await silentListener();
    closers.push(silent.close);
    const receiver = await startWebhookReceiver();
    closers.push(receiver.close);

    const mallory = await signedUpAgent(t, { email: 'mallory@example.com' });
    for (let i = 0; i < 12; i++) await createTokenViaPage(mallory.agent, { name: `slow ${i}`, webhook_url: silent.url });
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    await createTokenViaPage(ada.agent, { name: 'CRM', webhook_url: receiver.url });
    const malloryId = (await t.services.users.findCredentialsByEmail('mallory@example.com'))!.user.id;
    const adaId = (await t.services.users.findCredentialsByEmail('ada@example.com'))!.user.id;

    expect(await t.services.api.webhooks.callCompleted(completedCall(malloryId, 'call_m'))).toBe(12);
    await waitFor(async () => silent.connections() >= DELIVERIES_IN_FLIGHT_PER_USER, 'the slow deliveries to start');
    const started = Date.now();
    await t.services.api.webhooks.callCompleted(completedCall(adaId, 'call_a'));
    await waitFor(async () => receiver.received.length === 1, 'Ada’s delivery', 3_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    // Mallory's endpoint never held more than its share of the delivery slots.
    expect(silent.connections()).toBeLessThanOrEqual(DELIVERIES_IN_FLIGHT_PER_USER);
  });
});
