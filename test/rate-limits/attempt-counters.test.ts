import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { attemptCounters, retryMessage } from '../../src/rate-limits/attempt-counters.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
const clock = new ManualClock(new Date('2026-11-22T12:00:00Z'));
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.destroy();
});

const policy = { name: 'test', limit: 3, windowMs: 10 * 60_000 };

describe('attempt counters in the database', () => {
  it('count concurrent attempts without losing one (one atomic upsert each)', async () => {
    const counters = attemptCounters(t.db, clock);
    await Promise.all(Array.from({ length: 20 }, () => counters.record(policy, 'subject')));
    expect(await t.db('rate_limit_counters').first('hits')).toMatchObject({ hits: 20 });
  });

  it('block past the limit until the window ends, then start a fresh window', async () => {
    const counters = attemptCounters(t.db, clock);
    for (let i = 0; i < 3; i++) expect((await counters.consume(policy, 'a')).blocked).toBe(false);
    clock.advance(60_000);
    expect(await counters.consume(policy, 'a')).toEqual({ blocked: true, retryInMs: 9 * 60_000 });
    expect((await counters.check(policy, 'b')).blocked).toBe(false);
    clock.advance(9 * 60_000);
    expect((await counters.consume(policy, 'a')).blocked).toBe(false);
    expect(await t.db('rate_limit_counters').count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('store subjects hashed, and prune finished windows', async () => {
    const counters = attemptCounters(t.db, clock);
    await counters.record(policy, 'ada@example.com');
    const rows = await t.db('rate_limit_counters').select('key');
    expect(JSON.stringify(rows)).not.toContain('ada@example.com');
    clock.advance(policy.windowMs);
    expect(await counters.prune()).toBe(1);
  });

  it('say the real waiting time, rounded up to whole minutes', () => {
    expect(retryMessage(14 * 60_000 + 1)).toBe('Try again in 15 minutes.');
    expect(retryMessage(30_000)).toBe('Try again in 1 minute.');
  });
});
