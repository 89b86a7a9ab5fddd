import { EventEmitter } from 'node:events';
import express from 'express';
import twilio from 'twilio';
import { SIM_ACCOUNT_SID } from '../../src/sim/constants.js';
import request from 'supertest';
import type { Agenda } from 'agenda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsRepository } from '../../src/calls/calls-repository.js';
import { watchJobLateness } from '../../src/metrics/job-lateness.js';
import { twilioOperation } from '../../src/telephony/twilio-timing.js';
import { startSimulator } from '../../src/sim/simulator.js';
import { createTelephony } from '../../src/telephony/telephony.js';
import { rate } from '../rating/arbitraries.js';
import { createTestApp, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';

const TOKEN = 'metrics-token-0123456789';
const tariffs = { first: rate({ sellPerMinMicros: 10_000, costPerMinMicros: 0 }), bridged: rate({ sellPerMinMicros: 90_000, costPerMinMicros: 0 }) };

/** Every series of a metric added up (all its label sets). */
function total(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** One sample's value from Prometheus text, e.g. sample(text, 'callbridge_settlements_total{outcome="charged"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async (t: TestApp) => (await request(t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;

describe('GET /metrics', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp({ METRICS_TOKEN: TOKEN });
  });
  afterEach(() => t.close());

  it('counts the statements sent to the database and the process CPU time (the storm divides them by calls)', async () => {
    const before = await scrape(t);
    const statements = total(before, 'callbridge_db_statements_total');
    const cpu = sample(before, 'process_cpu_seconds_total')!;
    expect(cpu).toBeGreaterThan(0);
    await signedUpAgent(t, { email: 'counted@example.com' });
    const after = await scrape(t);
    // A sign-up writes the user, their session and an email at least; the scrape itself reads the gauges.
    expect(total(after, 'callbridge_db_statements_total') - statements).toBeGreaterThanOrEqual(3);
    // Counted by verb and first table, so the storm can say which statements a call costs.
    expect(sample(after, 'callbridge_db_statements_total{kind="insert users"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'process_cpu_seconds_total')!).toBeGreaterThanOrEqual(cpu);
  });

  it('refuses anonymous requests and wrong tokens with 401', async () => {
    const anonymous = await request(t.app).get('/metrics').expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    await request(t.app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
    await request(t.app).get('/metrics').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
  });

  it('refuses a logged-in user who is not an admin with 403', async () => {
    const { agent } = await signedUpAgent(t, { email: 'user@example.com' });
    const res = await agent.get('/metrics').expect(403);
    expect(res.text).toMatch(/administrators only/);
  });

  it('serves Prometheus text to an admin and to the bearer token', async () => {
    const { agent } = await signedUpAgent(t, { email: 'admin@example.com' });
    await makeAdmin(t, 'admin@example.com');
    const asAdmin = await agent.get('/metrics').expect(200);
    expect(asAdmin.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const asScraper = await scrape(t);
    for (const name of [
      'callbridge_webhook_duration_seconds',
      'callbridge_twilio_request_duration_seconds',
      'callbridge_twilio_request_errors_total',
      'callbridge_job_lateness_seconds',
      'callbridge_click_to_create_seconds',
      'callbridge_open_credit_holds',
      'callbridge_open_credit_held_micros',
      'callbridge_calls',
      'callbridge_settlements_total',
      'callbridge_repeat_settlements_refused_total',
      'callbridge_uncollected_micros_total',
    ]) {
      expect(asScraper, name).toContain(`# TYPE ${name} `);
      expect(asAdmin.text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('refuses the bearer path when no METRICS_TOKEN is configured', async () => {
    const untokened = await createTestApp();
    try {
      await request(untokened.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(401);
    } finally {
      await untokened.close();
    }
  });

  it('moves the hold gauges and money counters as calls are held and settled', async () => {
    const userId = Number((await t.testDb.db('users').insert({ email: 'm@example.com', name: 'M', password_hash: 'x', role: 'user', created_at: 'now', updated_at: 'now' }).returning('id'))[0]?.id ?? 0);
    await t.services.money.wallet.credit(userId, { kind: 'grant', amountMicros: 5_000_000, description: 'test credit' });
    const { callCredit } = t.services.money;
    const hold = await callCredit.hold({ userId, callSid: 'CAmetrics1', tariffs, maxSeconds: 600 });

    let text = await scrape(t);
    expect(sample(text, 'callbridge_open_credit_holds')).toBe(1);
    expect(sample(text, 'callbridge_open_credit_held_micros')).toBe(hold.amountMicros);

    const settled = await callCredit.settle({ callSid: 'CAmetrics1', firstLegSeconds: 70, bridgedSeconds: 60 });
    await callCredit.settle({ callSid: 'CAmetrics1', firstLegSeconds: 70, bridgedSeconds: 60 });
    text = await scrape(t);
    expect(sample(text, 'callbridge_open_credit_holds')).toBe(0);
    expect(sample(text, 'callbridge_settlements_total{outcome="charged"}')).toBe(1);
    expect(sample(text, 'callbridge_charged_micros_total')).toBe(settled.chargedMicros);
    expect(sample(text, 'callbridge_repeat_settlements_refused_total')).toBe(1);
  });

  it('counts calls not yet settled by state', async () => {
    const userId = Number((await t.testDb.db('users').insert({ email: 'c@example.com', name: 'C', password_hash: 'x', role: 'user', created_at: 'now', updated_at: 'now' }).returning('id'))[0]?.id ?? 0);
    const repo = callsRepository(t.testDb.db);
    const now = new Date().toISOString();
    await repo.insertLive({ id: 'cl_aaaaaaaaaaaaaaaaaaaa', userId, toE164: '+442079460958', toCountry: 'GB', fromE164: '+12015550123', confirmAnswer: false, createdAt: now, expectedEndAt: now, timeLimitS: 60, talkLimitS: 50, dialTimeoutS: 30, holdMicros: 1 });
    await repo.update('cl_aaaaaaaaaaaaaaaaaaaa', { status: 'connected' });
    let text = await scrape(t);
    expect(sample(text, 'callbridge_calls{state="connected"}')).toBe(1);
    await repo.update('cl_aaaaaaaaaaaaaaaaaaaa', { status: 'completed', settledAt: now, liveUserId: null });
    text = await scrape(t);
    expect(sample(text, 'callbridge_calls{state="connected"}')).toBeUndefined();
  });

  it('times webhooks by route and status', async () => {
    const signed = await createTestApp({ METRICS_TOKEN: TOKEN }, {}, { telephony: createTelephony({ accountSid: SIM_ACCOUNT_SID, authToken: 'webhook-test-token', apiBase: 'http://127.0.0.1:9', callerId: undefined, verifyServiceSid: undefined, simulator: undefined }) });
    try {
      const path = '/twilio/calls/cl_abcdefghijklmnopqrst/status';
      const params = { CallSid: `CA${'0'.repeat(32)}`, CallStatus: 'ringing', SequenceNumber: '0' };
      const signature = twilio.getExpectedTwilioSignature('webhook-test-token', `${signed.services.config.publicUrl}${path}`, params);
      await request(signed.app).post(path).type('form').set('X-Twilio-Signature', signature).send(params).expect(204);
      await request(signed.app).post(path).type('form').send(params).expect(403);
      const text = await scrape(signed);
      expect(sample(text, 'callbridge_webhook_duration_seconds_count{route="/twilio/calls/:id/status",status="204"}')).toBe(1);
      expect(sample(text, 'callbridge_webhook_duration_seconds_count{route="unmatched",status="403"}')).toBe(1);
    } finally {
      await signed.close();
    }
  });

  it('keeps a registry per app, so two apps count separately', async () => {
    const other = await createTestApp({ METRICS_TOKEN: TOKEN });
    try {
      await request(t.app).post('/twilio/x').expect(403);
      expect(sample(await scrape(t), 'callbridge_webhook_duration_seconds_count{route="unmatched",status="403"}')).toBe(1);
      expect(sample(await scrape(other), 'callbridge_webhook_duration_seconds_count{route="unmatched",status="403"}')).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('Twilio REST timing', () => {
  it('times every SDK request and counts the failed ones, with SIDs and numbers out of the labels', async () => {
    const sim = await startSimulator({ port: 0, speed: 1000 });
    const t = await createTestApp({ METRICS_TOKEN: TOKEN });
    try {
      const telephony = createTelephony({ ...sim, apiBase: sim.url, simulator: undefined }, { observeRequest: t.services.metrics.twilioObserver });
      await telephony.client.calls.list({ limit: 5 });
      sim.control.setFaults({ restFailure: { status: 503, count: 1 } });
      await expect(telephony.client.calls.list({ limit: 5 })).rejects.toMatchObject({ status: 503 });
      const text = await scrape(t);
      expect(sample(text, 'callbridge_twilio_request_duration_seconds_count{operation="GET /Calls",status="200"}')).toBe(1);
      expect(sample(text, 'callbridge_twilio_request_errors_total{operation="GET /Calls",status="503"}')).toBe(1);
    } finally {
      await t.close();
      await sim.close();
    }
  });

  it('measures our own time from POST /calls arriving to the create-call request leaving', async () => {
    const sim = await startSimulator({ port: 0, speed: 1000 });
    const t = await createTestApp({ METRICS_TOKEN: TOKEN });
    try {
      const telephony = createTelephony({ ...sim, apiBase: sim.url, simulator: undefined }, { observeRequest: t.services.metrics.twilioObserver });
      sim.control.setFaults({ slowRestMs: 300 });
      const app = express();
      app.use(t.services.metrics.callStart.middleware());
      app.post('/calls', async (_req, res) => {
        await new Promise((resolve) => setTimeout(resolve, 30)); // the app's own work before dialling
        await telephony.client.calls.create({ to: '+15005550200', from: sim.callerId, twiml: '<Response/>' });
        await telephony.client.calls.list({ limit: 1 });
        res.status(201).end();
      });
      app.post('/other', async (_req, res) => {
        await telephony.client.calls.create({ to: '+15005550200', from: sim.callerId, twiml: '<Response/>' });
        res.end();
      });
      await request(app).post('/calls').expect(201);
      await request(app).post('/other').expect(200);
      const text = await scrape(t);
      expect(sample(text, 'callbridge_click_to_create_seconds_count')).toBe(1);
      // 30 ms of our own work, but not the 300 ms Twilio took to answer.
      expect(sample(text, 'callbridge_click_to_create_seconds_bucket{le="0.015"}')).toBe(0);
      expect(sample(text, 'callbridge_click_to_create_seconds_bucket{le="0.1"}')).toBe(1);
      await sim.control.waitForIdle();
    } finally {
      await t.close();
      await sim.close();
    }
  });

  it('names operations without account, call SIDs or phone numbers', () => {
    const account = `AC${'a'.repeat(32)}`;
    const call = `CA${'b'.repeat(32)}`;
    expect(twilioOperation('post', `https://api.twilio.com/2010-04-01/Accounts/${account}/Calls/${call}.json`)).toBe('POST /Calls/:sid');
    expect(twilioOperation('GET', `https://pricing.twilio.com/v2/Voice/Numbers/+447946095800`)).toBe('GET /Voice/Numbers/:number');
    expect(twilioOperation('POST', `https://verify.twilio.com/v2/Services/VA${'c'.repeat(32)}/Verifications`)).toBe('POST /Services/:sid/Verifications');
  });
});

describe('job lateness', () => {
  it('observes how late a job with a deadline started, and ignores other processes\' starts', async () => {
    const t = await createTestApp({ METRICS_TOKEN: TOKEN });
    try {
      const agenda = new EventEmitter() as unknown as Agenda;
      watchJobLateness(agenda, t.services.metrics);
      const deadline = new Date('2026-11-22T10:00:00.000Z');
      const job = (lateMs: number) => ({ attrs: { name: 'calls.hangup-at-credit-deadline', data: { callId: 'c1', deadline: deadline.toISOString() }, lastRunAt: new Date(deadline.getTime() + lateMs) } });
      agenda.emit('start', job(300));
      agenda.emit('start', job(30_000), true);
      agenda.emit('start', { attrs: { name: 'calls.reconcile', data: {}, lastRunAt: new Date() } });
      const text = await scrape(t);
      expect(sample(text, 'callbridge_job_lateness_seconds_count{job="calls.hangup-at-credit-deadline"}')).toBe(1);
      expect(sample(text, 'callbridge_job_lateness_seconds_bucket{le="0.25",job="calls.hangup-at-credit-deadline"}')).toBe(0);
      expect(sample(text, 'callbridge_job_lateness_seconds_bucket{le="0.5",job="calls.hangup-at-credit-deadline"}')).toBe(1);
    } finally {
      await t.close();
    }
  });
});
