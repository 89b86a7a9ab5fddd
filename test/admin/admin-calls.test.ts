import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom } from '../helpers/app.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';

let h: CallHarness;
let admin: { agent: TestAgent; csrf: string };

beforeEach(async () => {
  // Slower simulated time than the call tests: a connected call stays live long enough to look at.
  h = await startCallHarness({ speed: 50 });
  const agent = request.agent(h.baseUrl);
  const form = await agent.get('/signup');
  await agent.post('/signup').type('form').send({ _csrf: csrfTokenFrom(form.text), name: 'Root', email: 'root@example.com', password: 'correct horse battery' });
  const login = await agent.get('/login');
  await agent.post('/login').type('form').send({ _csrf: csrfTokenFrom(login.text), email: 'root@example.com', password: 'correct horse battery' });
  await h.testDb.db('users').where({ email: 'root@example.com' }).update({ role: 'admin' });
  admin = { agent, csrf: csrfTokenFrom((await agent.get('/account')).text) };
});
afterEach(async () => {
  await h.close();
});

const auditActions = async () => (await h.testDb.db('audit_log').orderBy('id').select('action')).map((r: { action: string }) => r.action);

async function liveCall(): Promise<string> {
  h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
  h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 1, hangupAfterS: 3000 });
  const { id } = await startCall(h);
  await h.waitForCall(id!, (c) => c.status === 'connected');
  return id!;
}

describe('admin calls', () => {
  it('lists live calls first with an end-call button; ending one hangs it up, settles it and shows sell, cost and margin per leg', async () => {
    const id = await liveCall();
    const list = await admin.agent.get('/admin/calls');
    expect(list.status).toBe(200);
    expect(list.text).toMatch(/Live now \(1\)/);
    expect(list.text).toContain(`action="/admin/calls/${id}/hangup"`);
    const dashboard = await admin.agent.get('/admin');
    expect(dashboard.text).toMatch(/Live calls<\/dt><dd><a href="\/admin\/calls">1</);
    expect(dashboard.text).toMatch(/Calls today<\/dt><dd>1</);
    const ended = await admin.agent.post(`/admin/calls/${id}/hangup`).type('form').send({ _csrf: admin.csrf });
    expect(ended.status).toBe(303);
    const call = await h.waitForCall(id, (c) => c.settledAt !== null);
    expect(call.hangupRequestedAt).not.toBeNull();
    expect(await auditActions()).toEqual(['call.hangup']);
    const page = await admin.agent.get(`/admin/calls/${id}`);
    expect(page.text).toContain('Sell, cost and margin');
    expect(page.text).toMatch(/Leg to the user’s phone<\/td><td data-label="Length">[^<]+<\/td><td data-label="Sell" class="num">\$[\d.]+<\/td><td data-label="Cost" class="num">\$[\d.]+<\/td>/);
    expect(page.text).toContain('Charged to the user');
    // Nothing left uncollected: no sentence about it (it once read "Uncollected first-leg cost: –.").
    expect(call.uncollectedCostMicros ?? 0).toBe(0);
    expect(page.text).not.toContain('Uncollected');
    await h.testDb.db('calls').where({ id }).update({ uncollected_cost_micros: 120_000 });
    expect((await admin.agent.get(`/admin/calls/${id}`)).text).toMatch(/Uncollected first-leg cost: \$0\.12(00)?\./);
    // Ended from the admin page: the timeline and the outcome say an administrator did it, not the user.
    expect(page.text).toContain('an administrator ended the call');
    expect(call.endedBy).toBe('admin');
    const again = await admin.agent.post(`/admin/calls/${id}/hangup`).type('form').send({ _csrf: admin.csrf });
    expect(again.status).toBe(303);
    expect(await auditActions()).toEqual(['call.hangup']);
    const filtered = await admin.agent.get('/admin/calls?status=completed&country=gb');
    expect(filtered.text).toContain(`/admin/calls/${id}`);
    const none = await admin.agent.get('/admin/calls?country=FR');
    expect(none.text).toContain('No call matches');
    expect((await admin.agent.get('/admin/calls/cl_nope')).status).toBe(404);
  });

  it('refuses a disabled country at dial time, one audit row for the change', async () => {
    await admin.agent.post('/admin/rates/geo').type('form').send({ _csrf: admin.csrf, iso: 'GB', enabled: '0' });
    const { res, id } = await startCall(h);
    expect(id).toBeUndefined();
    expect(res.status).toBe(422);
    expect(res.text).toContain('Calls to United Kingdom are switched off.');
    expect(await h.testDb.db('calls').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await auditActions()).toEqual(['geo.disable']);
  });

  it('disabling a user ends their live call and logs them out', async () => {
    const id = await liveCall();
    const res = await admin.agent.post(`/admin/users/${h.userId}/disabled`).type('form').send({ _csrf: admin.csrf, disabled: '1' });
    expect(res.status).toBe(303);
    const call = await h.waitForCall(id, (c) => c.settledAt !== null);
    expect(call.hangupRequestedAt).not.toBeNull();
    expect((await h.agent.get('/wallet')).status).toBe(303);
    expect(await auditActions()).toEqual(['user.disable']);
    const page = await admin.agent.get(`/admin/users/${h.userId}`);
    expect(page.text).toContain(`href="/admin/calls/${id}"`);
    expect(page.text).toContain('Not logged in anywhere.');
  });

  it('holds a call within the daily spend cap an admin set, and refuses it once the cap is used up', async () => {
    await admin.agent.post(`/admin/users/${h.userId}/limits`).type('form').send({ _csrf: admin.csrf, daily_spend_cap: '0.05', concurrent_call_limit: '' });
    const refused = await startCall(h);
    expect(refused.id).toBeUndefined();
    expect(refused.res.text).toContain('daily spending limit');
    await admin.agent.post(`/admin/users/${h.userId}/limits`).type('form').send({ _csrf: admin.csrf, daily_spend_cap: '1.00', concurrent_call_limit: '' });
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 1, hangupAfterS: 30 });
    const { id } = await startCall(h);
    const call = await h.waitForCall(id!, (c) => c.holdMicros > 0);
    expect(call.holdMicros).toBeLessThanOrEqual(1_000_000);
    expect(call.holdMicros).toBeGreaterThan(500_000);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
  });
});
