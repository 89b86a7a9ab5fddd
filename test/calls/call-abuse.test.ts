import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultAbusePolicy } from '../../src/calls/abuse-limits.js';
import { callAbuse } from '../../src/calls/call-abuse.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

/** The toll-fraud counters on the database (both engines): counted first, so parallel attempts never pass a limit. */

let t: TestApp;
let userId: number;
beforeEach(async () => {
  t = await createTestApp();
  await signedUpAgent(t, { email: 'caller@example.com' });
  userId = (await t.services.users.findCredentialsByEmail('caller@example.com'))!.user.id;
  // The day's counters start at midnight UTC: begin at 01:00 so that no test crosses one, whenever it runs.
  t.clock.advance(untilOneAmUtc(t.clock.now()));
});

function untilOneAmUtc(now: Date): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 1);
  return next - now.getTime();
}
afterEach(async () => {
  await t.close();
});

const abuse = () => callAbuse({ db: t.testDb.db, clock: t.clock, counters: t.services.counters, policy: defaultAbusePolicy, logger: pino({ level: 'silent' }) });

describe('call attempt counting', () => {
  it('lets exactly the hourly limit of 30 parallel attempts through, and says when to try again', async () => {
    const verdicts = await Promise.all(Array.from({ length: 30 }, () => abuse().countAttempt(userId, '+442079460958')));
    expect(verdicts.filter((v) => v.kind === 'allow')).toHaveLength(defaultAbusePolicy.attemptsPerHour);
    const refused = verdicts.find((v) => v.kind === 'refuse');
    expect(refused).toMatchObject({ kind: 'refuse', retryInMs: expect.any(Number) });
    expect(refused!.retryInMs).toBeGreaterThan(59 * 60_000);
    // An hour later the next attempt goes through.
    t.clock.advance(3_600_001);
    expect((await abuse().countAttempt(userId, '+442079460958')).kind).toBe('allow');
  });

  it('puts the account on hold, once, with an audit row, past the distinct destinations of a day', async () => {
    const limit = defaultAbusePolicy.destinationsPerDay;
    for (let i = 0; i < limit; i++) {
      t.clock.advance(5 * 60_000);
      expect((await abuse().countAttempt(userId, `+4420794600${String(i).padStart(2, '0')}`)).kind, `destination ${i}`).toBe('allow');
    }
    const verdicts = await Promise.all([1, 2, 3].map((i) => abuse().countAttempt(userId, `+4420794601${i}0`)));
    expect(verdicts.every((v) => v.kind === 'hold')).toBe(true);
    const user = await t.testDb.db('users').where({ id: userId }).first('held_at', 'held_reason');
    expect(user.held_at).not.toBeNull();
    expect(user.held_reason).toMatch(/different numbers called in a day/);
    expect(await t.testDb.db('audit_log').where({ action: 'user.hold' })).toHaveLength(1);
  });

  it('counts unanswered attempts: free, then charged, then a hold', async () => {
    const charged = [];
    for (let i = 0; i < defaultAbusePolicy.holdAfterUnansweredPerDay; i++) charged.push(await abuse().countUnanswered(userId));
    expect(charged.filter((c) => !c)).toHaveLength(defaultAbusePolicy.freeUnansweredPerDay);
    expect(charged.slice(defaultAbusePolicy.freeUnansweredPerDay).every(Boolean)).toBe(true);
    expect((await t.testDb.db('users').where({ id: userId }).first('held_at')).held_at).not.toBeNull();
  });
});
