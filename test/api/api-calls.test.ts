import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/api/webhooks/webhook-signing.js';
import { legCost } from '../../src/rating/leg-cost.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { waitFor } from '../jobs/helpers/wait.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';
import { OpenApiValidator } from './helpers/openapi-validator.js';
import { createTokenViaPage } from './helpers/tokens.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';

const FIRST = { sellPerMinMicros: 10_000, firstIncrementS: 60, nextIncrementS: 60, connectionFeeMicros: 0, minimumChargeMicros: 0 };
const BRIDGED = { ...FIRST, sellPerMinMicros: 100_000 };
const CREDIT = 5_000_000;

let h: CallHarness;
let openapi: OpenApiValidator;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  h = await startCallHarness({ creditMicros: CREDIT });
  openapi = new OpenApiValidator((await request(h.baseUrl).get('/api/v1/openapi.json')).body);
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
    for (const close of closers.splice(0)) await close();
  }
});

const api = (token: string) => ({
  get: (path: string) => request(h.baseUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, body?: object, headers: Record<string, string> = {}) => {
    const req = request(h.baseUrl).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).set(headers);
    return body === undefined ? req : req.send(body);
  },
});

async function pollUntilSettled(token: string, id: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await api(token).get(`/calls/${id}`);
    openapi.assertValid('get', '/calls/{id}', res);
    if (!res.body.live && res.body.cost) return res;
    if (Date.now() > deadline) throw new Error(`call ${id} never settled: ${res.text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('placing calls through the API', () => {
  it('a calls token places a call through the simulator, polls it to completion and reads the exact charge; the webhook reports it', async () => {
    const receiver = await startWebhookReceiver();
    closers.push(receiver.close);
    const { secret, webhookSecret } = await createTokenViaPage(h.agent, { name: 'CRM', webhook_url: receiver.url });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 5, hangupAfterS: 75 });

    const created = await api(secret).post('/calls', { to: DESTINATION });
    openapi.assertValid('post', '/calls', created);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ to: DESTINATION, live: true, cost: null });
    expect(created.body.id).toMatch(/^cl_/);
    expect(created.body.links).toEqual({ self: `${h.baseUrl}/api/v1/calls/${created.body.id}`, statusPage: `${h.baseUrl}/calls/${created.body.id}` });
    expect(created.headers.location).toBe(created.body.links.self);
    // The same call as the web's: its status page shows it to the owner.
    expect((await h.agent.get(`/calls/${created.body.id}`)).status).toBe(200);

    const done = await pollUntilSettled(secret, created.body.id);
    const call = await h.call(created.body.id);
    const charge = legCost(FIRST, call.firstLegSeconds!) + legCost(BRIDGED, 75);
    expect(charge).toBe(220_000);
    expect(done.body).toMatchObject({ status: 'completed', live: false, durationSeconds: 75, cost: { micros: charge, currency: 'USD', formatted: '$0.2200' } });
    const wallet = await api(secret).get('/wallet');
    openapi.assertValid('get', '/wallet', wallet);
    expect(wallet.body.balance.micros).toBe(CREDIT - charge);

    await waitFor(() => receiver.received.length === 1, 'the call.completed webhook');
    const hook = receiver.received[0]!;
    expect(verifySignature(webhookSecret!, String(hook.headers['callbridge-signature']), hook.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(openapi.document.webhooks['call.completed']).toBeDefined();
    openapi.assertSchema('CallCompletedEvent', JSON.parse(hook.body));
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'call.completed', data: { call: { id: created.body.id, status: 'completed', durationSeconds: 75 }, cost: { micros: charge } } });
  });

  it('a repeated Idempotency-Key creates one call, also when the retries race; a different body with the key is refused', async () => {
    const { secret } = await createTokenViaPage(h.agent);
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 10 });
    const key = { 'Idempotency-Key': 'b5c1f0a2-retry-1' };
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => api(secret).post('/calls', { to: DESTINATION }, key)));
    for (const res of [a!, b!, c!]) {
      openapi.assertValid('post', '/calls', res);
      expect(res.status).toBe(201);
    }
    expect(new Set([a!.body.id, b!.body.id, c!.body.id]).size).toBe(1);
    expect([a!, b!, c!].filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    const later = await api(secret).post('/calls', { to: DESTINATION }, key);
    expect(later.body.id).toBe(a!.body.id);
    expect(await h.testDb.db('calls').count({ n: '*' }).first()).toEqual({ n: 1 });

    const reused = await api(secret).post('/calls', { to: '+442079460959' }, key);
    openapi.assertValid('post', '/calls', reused);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    await pollUntilSettled(secret, a!.body.id);
  });

  it('refusals: read scope 403, a live call already 409, premium 422, bad bodies 400/415, another user’s call 404', async () => {
    const read = await createTokenViaPage(h.agent, { name: 'Reader', scope: 'read' });
    const calls = await createTokenViaPage(h.agent, { name: 'Caller' });
    const forbidden = await api(read.secret).post('/calls', { to: DESTINATION });
    openapi.assertValid('post', '/calls', forbidden);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('insufficient_scope');
    expect(await h.testDb.db('calls').count({ n: '*' }).first()).toEqual({ n: 0 });

    for (const [body, status, code] of [
      [{}, 400, 'invalid_request'],
      [{ to: 42 }, 400, 'invalid_request'],
      [{ to: DESTINATION, extra: 1 }, 400, 'invalid_request'],
      [[DESTINATION], 400, 'invalid_request'],
      [{ to: '+19005551234' }, 422, 'destination_refused'],
    ] as const) {
      const res = await api(calls.secret).post('/calls', body as object);
      openapi.assertValid('post', '/calls', res);
      expect([res.status, res.body.error?.code]).toEqual([status, code]);
    }
    const notJson = await api(calls.secret).post('/calls').set('Content-Type', 'application/json').send('{"to":');
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 'invalid_json']);
    const form = await api(calls.secret).post('/calls').type('form').send({ to: DESTINATION });
    expect([form.status, form.body.error.code]).toEqual([415, 'unsupported_media_type']);

    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 30 });
    const first = await api(calls.secret).post('/calls', { to: DESTINATION });
    expect(first.status).toBe(201);
    const second = await api(calls.secret).post('/calls', { to: DESTINATION });
    openapi.assertValid('post', '/calls', second);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('call_in_progress');

    // Another user sees none of it.
    const bob = request.agent(h.baseUrl);
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    await bob.post('/signup').type('form').send({ _csrf: csrfOf((await bob.get('/signup')).text), name: 'Bob', email: 'bob@example.com', password: 'correct horse battery' });
    const loggedIn = await bob.post('/login').type('form').send({ _csrf: csrfOf((await bob.get('/login')).text), email: 'bob@example.com', password: 'correct horse battery' });
    expect(loggedIn.status).toBe(303);
    const bobs = await createTokenViaPage(bob);
    const hidden = await api(bobs.secret).get(`/calls/${first.body.id}`);
    openapi.assertValid('get', '/calls/{id}', hidden);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('not_found');
    const hiddenHangup = await api(bobs.secret).post(`/calls/${first.body.id}/hangup`);
    openapi.assertValid('post', '/calls/{id}/hangup', hiddenHangup);
    expect(hiddenHangup.status).toBe(404);
    expect((await api(bobs.secret).get('/calls')).body).toEqual({ data: [], nextCursor: null });

    const readHangup = await api(read.secret).post(`/calls/${first.body.id}/hangup`);
    expect([readHangup.status, readHangup.body.error.code]).toEqual([403, 'insufficient_scope']);
    const hungUp = await api(calls.secret).post(`/calls/${first.body.id}/hangup`);
    openapi.assertValid('post', '/calls/{id}/hangup', hungUp);
    expect(hungUp.status).toBe(200);
    expect(hungUp.body.id).toBe(first.body.id);
    const over = await pollUntilSettled(calls.secret, first.body.id);
    expect(over.body.live).toBe(false);
  });

  it('refuses without credit (422 insufficient_credit) or without a verified phone (422 phone_not_verified), placing nothing', async () => {
    const { secret } = await createTokenViaPage(h.agent);
    await h.built.services.money.wallet.credit(h.userId, { kind: 'adjustment', amountMicros: -CREDIT, description: 'Drain for the test' });
    const poor = await api(secret).post('/calls', { to: DESTINATION });
    openapi.assertValid('post', '/calls', poor);
    expect([poor.status, poor.body.error.code]).toEqual([422, 'insufficient_credit']);
    await h.testDb.db('users').where({ id: h.userId }).update({ phone_verified_at: null });
    const unverified = await api(secret).post('/calls', { to: DESTINATION });
    openapi.assertValid('post', '/calls', unverified);
    expect([unverified.status, unverified.body.error.code]).toEqual([422, 'phone_not_verified']);
    expect(await h.testDb.db('calls').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect((await h.built.services.money.wallet.summary(h.userId)).heldMicros).toBe(0);
  });

  it('lists calls newest first with a cursor that is stable while new calls arrive, filtered by status', async () => {
    const { secret } = await createTokenViaPage(h.agent, { scope: 'read' });
    const now = Date.now();
    const rows = Array.from({ length: 7 }, (_, i) => ({
      id: `cl_${String(i).padStart(20, 'a')}`, user_id: h.userId, to_e164: DESTINATION, to_country: 'GB', from_e164: USER_PHONE,
      status: i % 2 ? 'completed' : 'not-answered', confirm_answer: false, created_at: new Date(now - (10 - i) * 60_000).toISOString(),
      expected_end_at: new Date(now).toISOString(), time_limit_s: 60, talk_limit_s: 60, dial_timeout_s: 30, hold_micros: 0,
      cost_micros: 0, settled_at: new Date(now).toISOString(), ended_at: new Date(now).toISOString(),
    }));
    await h.testDb.db('calls').insert(rows);
    const first = await api(secret).get('/calls?limit=3');
    openapi.assertValid('get', '/calls', first);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual([rows[6]!.id, rows[5]!.id, rows[4]!.id]);
    // A new call arrives between pages: the next page neither repeats nor skips.
    await h.testDb.db('calls').insert({ ...rows[0]!, id: 'cl_zzzzzzzzzzzzzzzzzzzz', created_at: new Date(now).toISOString() });
    const second = await api(secret).get(`/calls?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual([rows[3]!.id, rows[2]!.id, rows[1]!.id]);
    const third = await api(secret).get(`/calls?limit=3&cursor=${second.body.nextCursor}`);
    expect(third.body.data.map((c: { id: string }) => c.id)).toEqual([rows[0]!.id]);
    expect(third.body.nextCursor).toBeNull();
    const completed = await api(secret).get('/calls?status=completed');
    expect(completed.body.data.every((c: { status: string }) => c.status === 'completed')).toBe(true);
    expect(completed.body.data).toHaveLength(3);
    for (const bad of ['/calls?status=nope', '/calls?limit=500', '/calls?cursor=zzz', '/calls?page=2']) {
      const res = await api(secret).get(bad);
      openapi.assertValid('get', '/calls', res);
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_request']);
    }
  });
});

it('the web page still starts calls the same way (shared service)', async () => {
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 2 });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'busy' });
  const { id } = await startCall(h);
  const { secret } = await createTokenViaPage(h.agent, { scope: 'read' });
  const res = await pollUntilSettled(secret, id!);
  expect(res.body.cost.micros).toBe(0);
});
