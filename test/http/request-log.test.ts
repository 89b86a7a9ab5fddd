import { Writable } from 'node:stream';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
let lines: string[];

beforeEach(async () => {
  lines = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  // A logger that keeps its lines.
  t = await createTestApp({}, {}, { logger: createLogger('info', { destination }) });
});
afterEach(async () => {
  await t.close();
});

function requestLines(): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request completed');
}

function expectShortRequestLines(expectedUrls: string[]): void {
  const entries = requestLines();
  expect(entries.map((e) => (e.req as { url: string }).url)).toEqual(expectedUrls);
  for (const line of lines.filter((l) => l.includes('request completed'))) {
    expect(Buffer.byteLength(line), line).toBeLessThan(400);
    expect(line).not.toMatch(/headers|cookie|user-agent|set-cookie/i);
  }
  for (const entry of entries) {
    expect(entry.req).toEqual({ id: expect.stringMatching(/^[\w.-]+$/), method: 'GET', url: expect.any(String) });
    expect(entry.res).toEqual({ statusCode: expect.any(Number), bytes: expect.any(Number) });
    expect((entry.res as { bytes: number }).bytes).toBeGreaterThan(0);
    expect(entry.responseTime).toEqual(expect.any(Number));
  }
}

describe('request log lines', () => {
  it('stay under 400 bytes for anonymous pages, assets and 404s, and carry status, time, size, id, method and url', async () => {
    const login = await request(t.app).get('/login').set('User-Agent', 'Mozilla/5.0 '.repeat(20)).set('X-Request-Id', 'req-123').set('Accept-Encoding', 'identity');
    expect(login.status).toBe(200);
    await request(t.app).get('/rates?q=united');
    await request(t.app).get('/no/such/page');
    await request(t.app).get('/healthz');
    expectShortRequestLines(['/login', '/rates?q=united', '/no/such/page']);
    expect(requestLines()[0]).toMatchObject({ req: { id: 'req-123' }, res: { statusCode: 200 } });
    expect((requestLines()[0]!.res as { bytes: number }).bytes).toBe(Buffer.byteLength(login.text));
  });

  it('stay under 400 bytes for a logged-in user with a session cookie, and cut very long URLs', async () => {
    const { agent } = await signedUpAgent(t);
    lines.length = 0;
    await agent.get('/wallet').set('Accept-Language', 'en-GB,en;q=0.9,'.repeat(20));
    await agent.get('/account');
    await agent.get(`/rates?q=${'x'.repeat(2000)}`);
    const entries = requestLines();
    expect(entries).toHaveLength(3);
    expect((entries[2]!.req as { url: string }).url.length).toBeLessThan(200);
    expectShortRequestLines(entries.map((e) => (e.req as { url: string }).url));
    expect(entries.map((e) => (e.res as { statusCode: number }).statusCode)).toEqual([200, 200, 200]);
  });
});
