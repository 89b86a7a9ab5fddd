import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { callIdInUrl } from '../../src/http/call-log-context.js';
import { composeServices } from '../../src/services.js';
import { createTestDb } from '../helpers/db.js';

const CALL_ID = 'cl_abcdefghijklmnopqrst';

describe('call id in the logs', () => {
  it('finds our call ids in paths, and nothing else', () => {
    expect(callIdInUrl(`/calls/${CALL_ID}`)).toBe(CALL_ID);
    expect(callIdInUrl(`/calls/${CALL_ID}/hangup`)).toBe(CALL_ID);
    expect(callIdInUrl(`/twilio/calls/${CALL_ID}/status?x=1`)).toBe(CALL_ID);
    expect(callIdInUrl('/calls')).toBeUndefined();
    expect(callIdInUrl(`/calls/${CALL_ID}x`)).toBeUndefined();
    expect(callIdInUrl('/calls/cl_UPPERCASE0000000000')).toBeUndefined();
  });

  it('puts callId on the request log line of a request about a call, and only there', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const testDb = await createTestDb();
    try {
      const services = await composeServices(loadConfig({ NODE_ENV: 'test' }), {
        db: testDb.db,
        clock: new ManualClock(new Date()),
        sessionSecret: 'test-session-secret-that-is-long-enough',
        logger: pino({ level: 'info' }, sink),
        telephony: null,
        jobs: null,
        stripe: false,
      });
      const { app } = buildApp(services);
      await request(app).get(`/calls/${CALL_ID}`);
      await request(app).get('/rates');
      const aboutTheCall = lines.filter((l) => (l.req as { url?: string } | undefined)?.url === `/calls/${CALL_ID}`);
      expect(aboutTheCall.length).toBeGreaterThan(0);
      for (const line of aboutTheCall) expect(line.callId).toBe(CALL_ID);
      const other = lines.find((l) => (l.req as { url?: string } | undefined)?.url === '/rates');
      expect(other).toBeDefined();
      expect(other!.callId).toBeUndefined();
    } finally {
      await testDb.destroy();
    }
  });
});
