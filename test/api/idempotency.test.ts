import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/api-errors.js';
import { idempotencyStore, KEY_RETENTION_MS, parseIdempotencyKey, requestFingerprint, type IdempotencyStore } from '../../src/api/idempotency.js';
import { ManualClock } from '../../src/clock.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let testDb: TestDb;
let store: IdempotencyStore;
let tokenId: number;
let clock: ManualClock;

beforeEach(async () => {
  testDb = await createTestDb();
  const now = new Date().toISOString();
  const [user] = await testDb.db('users').insert({ email: 'a@example.com', name: 'A', password_hash: 'x', role: 'user', created_at: now, updated_at: now }).returning('id');
  const [token] = await testDb.db('api_tokens')
    .insert({ user_id: user.id ?? user, name: 't', scope: 'calls', token_hash: 'h'.repeat(64), token_hint: 'cb_…abcd', created_at: now })
    .returning('id');
  tokenId = Number(token.id ?? token);
  clock = new ManualClock();
  store = idempotencyStore({ db: testDb.db, clock, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
});
afterEach(async () => {
  await testDb.destroy();
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Idempotency-Key', () => {
  it('runs the creation once for concurrent retries with the same key and body; all get the same call', async () => {
    let created = 0;
    const create = async () => {
      created++;
      await delay(100);
      return { ok: true as const, callId: `call_${created}` };
    };
    const fp = requestFingerprint('POST', '/calls', { to: '+442079460958' });
    const results = await Promise.all([1, 2, 3].map(() => store.run(tokenId, 'key-1', fp, create)));
    expect(created).toBe(1);
    expect(results.map((r) => r.callId)).toEqual(['call_1', 'call_1', 'call_1']);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await store.run(tokenId, 'key-1', fp, create)).toEqual({ callId: 'call_1', replayed: true });
    expect(created).toBe(1);
  });

  it('refuses the same key with a different body (422), and keys are per request body order-insensitively', async () => {
    const create = async () => ({ ok: true as const, callId: 'c1' });
    await store.run(tokenId, 'k', requestFingerprint('POST', '/calls', { to: '+1', a: 1 }), create);
    expect(requestFingerprint('POST', '/calls', { a: 1, to: '+1' })).toBe(requestFingerprint('POST', '/calls', { to: '+1', a: 1 }));
    await expect(store.run(tokenId, 'k', requestFingerprint('POST', '/calls', { to: '+2' }), create)).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 422 });
  });

  it('repeats a refusal to retries, but a crash releases the key so a retry can try again', async () => {
    const fp = requestFingerprint('POST', '/calls', {});
    const refuse = async () => ({ ok: false as const, error: new ApiError('insufficient_credit', 'Not enough credit for a minute to this number ($0.1000 needed).') });
    await expect(store.run(tokenId, 'r', fp, refuse)).rejects.toMatchObject({ code: 'insufficient_credit' });
    await expect(store.run(tokenId, 'r', fp, async () => ({ ok: true as const, callId: 'never' }))).rejects.toMatchObject({
      code: 'insufficient_credit',
      message: 'Not enough credit for a minute to this number ($0.1000 needed).',
    });
    await expect(store.run(tokenId, 'crash', fp, async () => { throw new Error('twilio down'); })).rejects.toThrow('twilio down');
    expect(await store.run(tokenId, 'crash', fp, async () => ({ ok: true as const, callId: 'second try' }))).toEqual({ callId: 'second try', replayed: false });
  });

  it('forgets keys after 24 hours: the same key then places a new call', async () => {
    const fp = requestFingerprint('POST', '/calls', { to: '+1' });
    await store.run(tokenId, 'daily', fp, async () => ({ ok: true as const, callId: 'monday' }));
    clock.advance(KEY_RETENTION_MS - 1);
    expect((await store.run(tokenId, 'daily', fp, async () => ({ ok: true as const, callId: 'x' }))).callId).toBe('monday');
    clock.advance(2);
    expect(await store.run(tokenId, 'daily', fp, async () => ({ ok: true as const, callId: 'tuesday' }))).toEqual({ callId: 'tuesday', replayed: false });
  });

  it('validates the header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('4f1c2a9e-0d7b-4a51-9a2e-3b2f7c1d0e9a')).toBe('4f1c2a9e-0d7b-4a51-9a2e-3b2f7c1d0e9a');
    expect(() => parseIdempotencyKey('')).toThrow(ApiError);
    expect(() => parseIdempotencyKey('has space')).toThrow(ApiError);
    expect(() => parseIdempotencyKey('x'.repeat(256))).toThrow(ApiError);
  });
});
