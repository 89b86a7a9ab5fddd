import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RawSqlite } from '../../src/db/raw-sqlite.js';
import { callStatusView, clock } from '../../src/calls/call-view.js';
import { sessionIdFrom } from '../../src/http/session-cookie.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { statementsDuring } from '../helpers/statements.js';
import { DESTINATION, startCall, startCallHarness, USER_PHONE, type CallHarness } from './helpers/call-harness.js';
import { callRecord } from './helpers/call-record.js';

let h: CallHarness;
beforeEach(async () => {
  // Slow simulated time: a ringing phone stays ringing (35 simulated seconds = 7 s) while the test polls.
  h = await startCallHarness({ speed: 5 });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

describe('the status poll', () => {
  it('makes one read, no write, sets no cookie and answers with lean headers', async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'manual' });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.status === 'calling' && c.ringingAt !== null);
    // Every statement, through knex or through the prepared-statement paths hot paths use (src/db/prepared-queries.ts);
    // SQLite's batches report no statements, so they are watched apart.
    const rawBatch = vi.spyOn(RawSqlite.prototype, 'withStatements');
    let res!: request.Response;
    const queries = await statementsDuring(h.testDb.db, async () => (res = await h.agent.get(`/calls/${id}/status`).set('HX-Request', 'true')), { prepared: true });
    // The job scheduler shares the database and polls it on its own timer: its statements are not the poll's.
    const ours = queries.filter((sql) => !/scheduled_job/.test(sql));
    expect(rawBatch).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(res.status).toBe(200);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^select .* from .?calls.? inner join .?sessions.?/i);
    expect(res.headers['set-cookie']).toBeUndefined();
    const lean = new Set(['cache-control', 'connection', 'content-length', 'content-type', 'date', 'keep-alive', 'content-encoding', 'vary', 'x-content-type-options']);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    // Compressed here, as the route comes before the compression middleware.
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(Object.keys(res.headers).filter((name) => !lean.has(name))).toEqual([]);
    expect(res.text).toContain('Calling your phone');
    expect(res.text).toContain(`hx-get="/calls/${id}/status?seen=calling"`);
    expect(res.text).toContain(`hx-request='{"noHeaders":true}'`);
    // Nothing changed since the state the browser shows: after the wait, an empty 204 (htmx keeps what it has).
    const same = await h.agent.get(`/calls/${id}/status?seen=calling`);
    expect(same.status).toBe(204);
    expect(same.text).toBe('');
    // A long poll: asked when it appears, and again by public/call-wait.js after each 204.
    expect(res.text).toContain('hx-trigger="load, call-status-wait"');
    expect(res.text).toContain('hx-target="this"');
    expect(res.text).toContain('hx-swap="outerHTML"');
    expect(res.text).toContain(`href="/calls/${id}">Refresh</a>`);
    expect(res.text).not.toContain('<html');
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    const over = await h.waitForCall(id!, (c) => c.settledAt !== null);
    const final = await h.agent.get(`/calls/${id}/status`);
    expect(over.status).toBe('cancelled');
    expect(final.text).toContain('You hung up');
    expect(final.text).not.toContain('hx-trigger');
    expect(final.headers['hx-trigger']).toBe('call-ended');
  });

  it('a poll without a session is sent to log in; a tampered cookie is no session', async () => {
    const { id } = await startCall(h);
    const res = await request(h.baseUrl).get(`/calls/${id}/status`).set('HX-Request', 'true').set('Cookie', 'callbridge.sid=s%3Aabc.forged');
    expect(res.status).toBe(404);
    expect(res.headers['hx-redirect']).toBe(`/login?next=${encodeURIComponent(`/calls/${id}`)}`);
    expect(sessionIdFrom('callbridge.sid=s%3Aabc.forged', 'secret')).toBeUndefined();
    await h.agent.post(`/calls/${id}/hangup`).set('X-CSRF-Token', h.csrf);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
  });

  it('the call page shows the timeline, the cost breakdown and "Call again"', async () => {
    await h.close();
    h = await startCallHarness();
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1 });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 2, hangupAfterS: 61 });
    const { id } = await startCall(h);
    await h.waitForCall(id!, (c) => c.settledAt !== null);
    const page = await h.agent.get(`/calls/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Timeline');
    // The story from the call's facts, in order, without repeats or Twilio's words.
    const timeline = /<ol class="call-timeline">([\s\S]*?)<\/ol>/.exec(page.text)![1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(timeline).toMatch(/You placed the call .*Ringing your phone .*You answered .*Dialling \+44 20 7946 0958 .*\+44 20 7946 0958 answered: connected .*Ended: they hung up after 1 min 01 s of talk/);
    expect(timeline).not.toMatch(/Twilio|callbridge:/);
    expect(page.text).toContain('1 min 01 s on the line, billed as 2 min');
    expect(page.text).toContain('Call again');
    expect(page.text).toContain('href="/?to=%2B442079460958&amp;country=GB">Call again</a>');
  });
});

describe('the status fragment', () => {
  const view = (patch: object, now = '2026-11-22T10:01:00.000Z') => callStatusView(callRecord(patch), { now: new Date(now), currency: 'USD', csrfToken: 't' });

  it('says what is happening at each stage, polling fast while setting up and slowly once connected', () => {
    expect(view({ status: 'calling' })).toMatchObject({ headline: 'Calling your phone', pollS: 2 });
    expect(view({ status: 'confirming' })).toMatchObject({ headline: 'Press 1 on your phone', pollS: 2 });
    expect(view({ status: 'connecting' })).toMatchObject({ headline: 'Connecting', pollS: 2 });
    const connected = view({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z' });
    expect(connected).toMatchObject({ headline: 'Connected', pollS: 30, connected: { elapsed: '01:00', left: '04:00', lastMinute: false } });
    expect(view({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z' }, '2026-11-22T10:04:30.000Z').connected).toMatchObject({ left: '00:30', lastMinute: true });
    expect(view({ status: 'completed', costMicros: 230_000, bridgedSeconds: 75, settledAt: 'x' })).toMatchObject({ pollS: null, result: { cost: '$0.2300', talk: '1 min 15 s' } });
    expect(view({ status: 'completed', costMicros: 286_200, bridgedSeconds: 4, settledAt: 'x' }).result).toMatchObject({ cost: '$0.2862' });
    expect(view({ status: 'completed', bridgedAt: '2026-11-22T10:00:00.000Z', costMicros: 0, bridgedSeconds: 0, settledAt: 'x', failureReason: 'You were connected for less than a second, so nothing was charged.' }))
      .toMatchObject({ detail: 'You were connected for less than a second, so nothing was charged.', result: { cost: '$0.0000', nothingCharged: true, talk: null } });
    expect(view({ status: 'completed', costMicros: null, bridgedSeconds: 75, settledAt: null })).toMatchObject({ pollS: 2, result: { cost: 'being worked out' } });
    expect(clock(3725)).toBe('1:02:05');
    // After "Hang up", the fragment says so and looks again soon, until Twilio reports the end.
    expect(view({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z', hangupRequestedAt: 'x' })).toMatchObject({ headline: 'Hanging up', pollS: 2, canHangUp: false, seen: 'connected-hanging-up' });
  });

  it('says "Hanging up" without a Hang up button once the user hung up, until Twilio reports the end', () => {
    const hangingUp = view({ status: 'connected', bridgedAt: '2026-11-22T10:00:00.000Z', hangupRequestedAt: '2026-11-22T10:00:59.000Z' });
    expect(hangingUp).toMatchObject({ headline: 'Hanging up', canHangUp: false, pollS: 2, connected: null });
    expect(view({ status: 'completed', hangupRequestedAt: 'x', settledAt: 'x', costMicros: 0 })).toMatchObject({ headline: 'You hung up', pollS: null });
  });
});
