import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';
import { OpenApiValidator } from './helpers/openapi-validator.js';
import { createTokenViaPage } from './helpers/tokens.js';

// Ten simulated seconds to the real one: the user's phone rings for about two real seconds before it answers.
const SPEED = 10;

let h: CallHarness;
let openapi: OpenApiValidator;
beforeEach(async () => {
  h = await startCallHarness({ speed: SPEED });
  openapi = new OpenApiValidator((await request(h.baseUrl).get('/api/v1/openapi.json')).body);
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

const get = (token: string, path: string) => request(h.baseUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

describe('GET /api/v1/calls/{id}?wait=N, the API long poll', () => {
  it('holds the request until the status differs from the one given, then answers with the new status', async () => {
    const { secret } = await createTokenViaPage(h.agent);
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 20 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 1, hangupAfterS: 5 });
    const created = await request(h.baseUrl).post('/api/v1/calls').set('Authorization', `Bearer ${secret}`).send({ to: DESTINATION });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const ringing = await h.waitForCall(id, (c) => c.status === 'calling');

    const started = Date.now();
    const changed = await get(secret, `/calls/${id}?wait=25&status=${ringing.status}`);
    const waited = Date.now() - started;
    openapi.assertValid('get', '/calls/{id}', changed);
    expect(changed.status).toBe(200);
    expect(changed.body.status).not.toBe('calling');
    // It waited for the answer (about two real seconds of ringing left), and not for the whole 25 s.
    expect(waited).toBeGreaterThan(300);
    expect(waited).toBeLessThan(15_000);

    // Following the call with the status last seen reaches the settled end without a miss.
    let shown = changed.body as { status: string; live: boolean; cost: unknown };
    for (let i = 0; i < 20 && (shown.live || !shown.cost); i++) {
      const next = await get(secret, `/calls/${id}?wait=25&status=${shown.status}`);
      openapi.assertValid('get', '/calls/{id}', next);
      shown = next.body;
    }
    expect(shown).toMatchObject({ status: 'completed', live: false });
    expect(shown.cost).not.toBeNull();

    // A settled call that is over has nothing more to wait for: answered at once.
    const quick = Date.now();
    const over = await get(secret, `/calls/${id}?wait=25`);
    expect(over.body.status).toBe('completed');
    expect(Date.now() - quick).toBeLessThan(2_000);
  });

  it('answers at once when the status given is not the call’s, and after the wait when nothing changes', async () => {
    const { secret } = await createTokenViaPage(h.agent);
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 200 });
    const created = await request(h.baseUrl).post('/api/v1/calls').set('Authorization', `Bearer ${secret}`).send({ to: DESTINATION });
    const id = created.body.id as string;
    await h.waitForCall(id, (c) => c.status === 'calling');

    const stale = Date.now();
    const behind = await get(secret, `/calls/${id}?wait=25&status=starting`);
    expect(behind.body.status).toBe('calling');
    expect(Date.now() - stale).toBeLessThan(2_000);

    const still = Date.now();
    const unchanged = await get(secret, `/calls/${id}?wait=1`);
    openapi.assertValid('get', '/calls/{id}', unchanged);
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.status).toBe('calling');
    expect(Date.now() - still).toBeGreaterThanOrEqual(900);
    await request(h.baseUrl).post(`/api/v1/calls/${id}/hangup`).set('Authorization', `Bearer ${secret}`).send({});
    await h.waitForCall(id, (c) => c.settledAt !== null);
  });

  it('names a wrong wait or status in a 400, and another user’s call is a 404 without waiting', async () => {
    const { secret } = await createTokenViaPage(h.agent);
    for (const query of ['wait=26', 'wait=-1', 'wait=abc', 'wait=2.5', 'wait=5&status=bogus', 'status=calling', 'wait=5&colour=red']) {
      const res = await get(secret, `/calls/cl_aaaaaaaaaaaaaaaaaaaa?${query}`);
      openapi.assertValid('get', '/calls/{id}', res);
      expect([query, res.status, res.body.error.code]).toEqual([query, 400, 'invalid_request']);
    }
    const started = Date.now();
    const missing = await get(secret, '/calls/cl_aaaaaaaaaaaaaaaaaaaa?wait=25');
    expect(missing.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
