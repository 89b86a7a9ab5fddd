import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../src/api/api-errors.js';
import { TOKEN_CACHE_MS } from '../../src/api/tokens-service.js';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { OpenApiValidator } from './helpers/openapi-validator.js';
import { createTokenViaPage } from './helpers/tokens.js';

let t: TestApp;
const openapi = new OpenApiValidator();

async function setUp(options: Parameters<typeof createTestApp>[2] = {}) {
  t = await createTestApp({}, {}, options);
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  const { agent } = await signedUpAgent(t);
  const user = await t.testDb.db('users').where({ email: 'ada@example.com' }).first();
  await t.testDb.db('users').where({ id: user.id }).update({ phone_e164: '+447700900123', phone_verified_at: new Date().toISOString() });
  await t.services.money.wallet.credit(user.id, { kind: 'voucher', amountMicros: 5_000_000, description: 'test credit' });
  const { secret } = await createTokenViaPage(agent, { scope: 'read' });
  return { agent, secret, userId: Number(user.id) };
}

afterEach(async () => {
  await t?.close();
  t = undefined as unknown as TestApp;
});

const get = (path: string, token?: string) => {
  const req = request(t.app).get(`/api/v1${path}`);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

function expectError(res: request.Response, status: number, code: keyof typeof API_ERRORS) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(res.body.error.message.length).toBeGreaterThan(5);
}

describe('GET /api/v1/wallet and /rates', () => {
  let secret: string;
  beforeEach(async () => {
    ({ secret } = await setUp());
  });

  it('answers the wallet with exact micro-units, no session cookie and no caching', async () => {
    const res = await get('/wallet', secret);
    expect(res.status).toBe(200);
    openapi.assertValid('get', '/wallet', res);
    expect(res.body.balance).toEqual({ micros: 5_000_000, currency: 'USD', formatted: '$5.0000' });
    expect(res.body.available.micros).toBe(5_000_000);
    expect(res.body.held.micros).toBe(0);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await t.testDb.db('sessions').count({ n: '*' }).first()).toEqual({ n: 1 }); // only the web sign-up's
  });

  it('prices a destination with both legs and the longest call, as the /rates preview does', async () => {
    const res = await get('/rates?to=%2B44%207400%20123456', secret);
    expect(res.status).toBe(200);
    openapi.assertValid('get', '/rates', res);
    expect(res.body.to).toBe('+447400123456');
    expect(res.body.destination.description).toBe('United Kingdom - Mobile');
    const quote = t.services.money.rates.quote({ to: '+447400123456', from: '+447700900123', availableMicros: 5_000_000 });
    if (!quote.ok) throw new Error('expected a quote');
    expect(res.body.perMinute.micros).toBe(quote.perMinuteMicros);
    expect(res.body.ownLegPerMinute.micros).toBe(quote.firstLegRate!.sellPerMinMicros);
    expect(res.body.destinationLegPerMinute.micros + res.body.ownLegPerMinute.micros).toBe(res.body.perMinute.micros);
    expect(res.body.longestCallSeconds).toBe(quote.maxSeconds);
    expect(res.body.longestCallSeconds).toBeGreaterThan(60);
  });

  it('refuses premium and invalid numbers (422), and a missing or repeated ?to= (400)', async () => {
    const premium = await get('/rates?to=%2B19005551234', secret);
    expectError(premium, 422, 'destination_refused');
    openapi.assertValid('get', '/rates', premium);
    expectError(await get('/rates?to=12', secret), 422, 'destination_refused');
    const missing = await get('/rates', secret);
    expectError(missing, 400, 'invalid_request');
    openapi.assertValid('get', '/rates', missing);
    expectError(await get('/rates?to=%2B44&to=%2B33', secret), 400, 'invalid_request');
  });
});

describe('API errors: one shape, stable codes', () => {
  it('401 for a missing, malformed, unknown, revoked or expired token, with a Bearer challenge', async () => {
    const { agent, secret } = await setUp();
    const missing = await get('/wallet');
    expectError(missing, 401, 'missing_token');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    openapi.assertValid('get', '/wallet', missing);
    expectError(await request(t.app).get('/api/v1/wallet').set('Authorization', `Basic ${secret}`), 401, 'missing_token');
    expectError(await get('/wallet', 'cb_' + 'x'.repeat(43)), 401, 'invalid_token');
    expectError(await get('/wallet', 'nonsense'), 401, 'invalid_token');
    // A session cookie is not an API credential.
    expectError(await agent.get('/api/v1/wallet'), 401, 'missing_token');

    const row = await t.testDb.db('api_tokens').first();
    expect(await t.services.api.tokens.revoke(row.user_id, row.id)).toBe(true);
    const revoked = await get('/wallet', secret);
    expectError(revoked, 401, 'token_revoked');
    openapi.assertValid('get', '/wallet', revoked);
    // Changed behind the app's back (another process): seen once the token cache entry is older than TOKEN_CACHE_MS.
    await t.testDb.db('api_tokens').where({ id: row.id }).update({ revoked_at: null, expires_at: t.clock.now().toISOString() });
    t.clock.advance(TOKEN_CACHE_MS);
    expectError(await get('/wallet', secret), 401, 'token_expired');
  });

  it('404 for unknown API addresses, with or without a token; 400 for a body that is not JSON, 413 too large, 415 not JSON', async () => {
    const { agent, secret } = await setUp();
    expectError(await get('/nope'), 404, 'not_found');
    expectError(await get('/nope', secret), 404, 'not_found');
    expectError(await request(t.app).delete('/api/v1/wallet').set('Authorization', `Bearer ${secret}`), 404, 'not_found');
    // Bodies are read only by the POST routes, after the token and its scope are checked.
    expectError(await request(t.app).post('/api/v1/wallet').set('Authorization', `Bearer ${secret}`).set('Content-Type', 'application/json').send('{"to":'), 404, 'not_found');
    const { secret: caller } = await createTokenViaPage(agent, { name: 'Caller', scope: 'calls' });
    const post = () => request(t.app).post('/api/v1/calls').set('Authorization', `Bearer ${caller}`).set('Content-Type', 'application/json');
    const bad = await post().send('{"to":');
    expectError(bad, 400, 'invalid_json');
    openapi.assertValid('post', '/calls', bad);
    const big = await post().send(JSON.stringify({ to: 'x'.repeat(20_000) }));
    expectError(big, 413, 'payload_too_large');
    openapi.assertValid('post', '/calls', big);
    const form = await request(t.app).post('/api/v1/calls').set('Authorization', `Bearer ${caller}`).type('form').send({ to: '+442079460958' });
    expectError(form, 415, 'unsupported_media_type');
  });

  it('429 with Retry-After once a token uses up its window; other tokens are unaffected', async () => {
    const { agent, secret } = await setUp({ apiRateLimit: { limit: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const ok = await get('/wallet', secret);
      expect(ok.status).toBe(200);
      expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await get('/wallet', secret);
    expectError(limited, 429, 'rate_limited');
    openapi.assertValid('get', '/wallet', limited);
    expect(Number(limited.headers['retry-after'])).toBe(60);
    const other = await createTokenViaPage(agent, { name: 'Second' });
    expect((await get('/wallet', other.secret)).status).toBe(200);
    t.clock.advance(45_000);
    expect(Number((await get('/wallet', secret)).headers['retry-after'])).toBe(15);
    t.clock.advance(15_000);
    expect((await get('/wallet', secret)).status).toBe(200);
  });

  it('a crash inside a handler is a 500 in the same shape, without details', async () => {
    const { secret } = await setUp();
    t.services.money.wallet.peek = async () => {
      throw new Error('database exploded: secret detail');
    };
    const res = await get('/wallet', secret);
    expectError(res, 500, 'internal_error');
    expect(res.text).not.toContain('secret detail');
    openapi.assertValid('get', '/wallet', res);
  });
});

describe('OpenAPI document and the /api page', () => {
  it('serves the document without a token, and it is a valid OpenAPI 3.1 shape whose $refs all resolve', async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://cb.example' });
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.servers).toEqual([{ url: 'https://cb.example/api/v1' }]);
    const refs = JSON.stringify(res.body).match(/"\$ref":"#\/components\/schemas\/(\w+)"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(res.body.components.schemas[r.split('/').pop()!.replace('"', '')]).toBeDefined();
    expect(res.body.components.schemas.Error.properties.error.properties.code.enum).toEqual(Object.keys(API_ERRORS));
  });

  it('the validator used by these tests rejects a body or status the document does not allow', () => {
    const fake = (status: number, body: unknown) => ({ status, body, text: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) as unknown as request.Response;
    expect(() => openapi.assertValid('get', '/wallet', fake(200, { balance: 1 }))).toThrow(/does not match/);
    expect(() => openapi.assertValid('get', '/wallet', fake(404, { error: { code: 'not_found', message: 'x' } }))).toThrow(/does not document status 404/);
    expect(() => openapi.assertValid('get', '/wallet', fake(401, { error: { code: 'made_up', message: 'x' } }))).toThrow(/does not match/);
  });

  it('the /api page explains authentication with curl examples', async () => {
    t = await createTestApp({ PUBLIC_URL: 'https://cb.example' });
    const page = await request(t.app).get('/api');
    expect(page.status).toBe(200);
    expect(page.text).toContain('curl -H "Authorization: Bearer $CALLBRIDGE_TOKEN" https://cb.example/api/v1/wallet');
    expect(page.text).toContain('insufficient_credit');
    expect(page.text).not.toMatch(/<script(?![^>]*src=)/);
  });
});
