import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsService, LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS, SIGNUPS_PER_ADDRESS } from '../../src/accounts/accounts-service.js';
import { argon2Hasher, type PasswordHasher } from '../../src/accounts/passwords.js';
import { sessionsRepository } from '../../src/accounts/sessions-repository.js';
import { usersRepository } from '../../src/accounts/users-repository.js';
import { ManualClock } from '../../src/clock.js';
import { phoneVerificationService, SENDS_PER_USER } from '../../src/phone/phone-verification-service.js';
import type { PhoneVerifier } from '../../src/phone/phone-verifier.js';
import { phoneVerificationsRepository } from '../../src/phone/phone-verifications-repository.js';
import { attemptCounters } from '../../src/rate-limits/attempt-counters.js';
import type { RateDeckService } from '../../src/rates/rate-deck-service.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

// These run on whichever engine the suite runs on: SQLite by default, PostgreSQL with DATABASE_URL set.
let t: TestDb;
const clock = new ManualClock(new Date('2026-12-06T12:00:00Z'));
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.destroy();
});

/** A real (cheap) argon2 hasher that counts how many passwords it evaluated. */
function countingHasher(): PasswordHasher & { verified: number; hashed: number } {
  const inner = argon2Hasher({ memoryCost: 1024, timeCost: 1 });
  const counting = {
    verified: 0,
    hashed: 0,
    hash: async (password: string) => {
      counting.hashed++;
      return inner.hash(password);
    },
    verify: async (hash: string, password: string) => {
      counting.verified++;
      return inner.verify(hash, password);
    },
  };
  return counting;
}

function accounts(hasher: PasswordHasher) {
  return accountsService({ users: usersRepository(t.db), sessions: sessionsRepository(t.db), counters: attemptCounters(t.db, clock), hasher, clock });
}

describe(`limits count first, so parallel attempts cannot outrun them (${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('30 parallel log-ins to one account (29 wrong, the last right) evaluate at most the limit', async () => {
    const hasher = countingHasher();
    const service = accounts(hasher);
    await service.ensureAdmin('ada@example.com', 'correct horse battery', 'Ada');
    hasher.verified = 0;
    const attempts = Array.from({ length: 30 }, (_, i) => service.logIn('ada@example.com', i === 29 ? 'correct horse battery' : `guess-${i}`, '203.0.113.9'));
    const outcomes = await Promise.all(attempts);
    expect(hasher.verified).toBeLessThanOrEqual(LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS.limit);
    expect(outcomes.filter((o) => o.ok === false && o.reason === 'limited').length).toBeGreaterThanOrEqual(30 - LOGIN_FAILURES_PER_ACCOUNT_AT_ADDRESS.limit);
    // The right password, when it was evaluated at all, came within the limit; it never comes after it.
    const logged = outcomes.filter((o) => o.ok).length;
    expect(logged + outcomes.filter((o) => !o.ok && o.reason === 'bad-credentials').length).toBe(hasher.verified);
  });

  it('a right password takes its attempt back: the owner can log in after a few typos', async () => {
    const hasher = countingHasher();
    const service = accounts(hasher);
    await service.ensureAdmin('ada@example.com', 'correct horse battery', 'Ada');
    for (let i = 0; i < 4; i++) expect((await service.logIn('ada@example.com', 'typo', '203.0.113.9')).ok).toBe(false);
    expect((await service.logIn('ada@example.com', 'correct horse battery', '203.0.113.9')).ok).toBe(true);
    for (let i = 0; i < 4; i++) expect(await service.logIn('ada@example.com', 'typo', '203.0.113.9')).toMatchObject({ reason: 'bad-credentials' });
    expect(await service.logIn('ada@example.com', 'correct horse battery', '203.0.113.9')).toMatchObject({ ok: true });
  });

  it('30 parallel sign-ups from one address hash at most the limit', async () => {
    const hasher = countingHasher();
    const service = accounts(hasher);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => service.signUp({ name: 'N', email: `n${i}@example.com`, password: 'correct horse battery' }, '203.0.113.7')));
    expect(hasher.hashed).toBeLessThanOrEqual(SIGNUPS_PER_ADDRESS.limit);
    expect(outcomes.filter((o) => o.limited).length).toBe(30 - SIGNUPS_PER_ADDRESS.limit);
  });

  it('30 parallel Verify sends for one user reach Verify at most the limit', async () => {
    const users = usersRepository(t.db);
    const user = await users.insert({ email: 'ada@example.com', name: 'Ada', passwordHash: 'x', role: 'user' }, clock.now().toISOString());
    let sends = 0;
    const verifier: PhoneVerifier = {
      start: async () => {
        sends++;
        return { ok: true, verificationSid: `VE${sends}` };
      },
      check: async () => ({ ok: true, approved: false }),
    } as unknown as PhoneVerifier;
    const rates = { ready: async () => undefined, checkDestination: (e164: string) => ({ ok: true, e164 }) } as unknown as RateDeckService;
    const phones = phoneVerificationService({ repo: phoneVerificationsRepository(t.db), counters: attemptCounters(t.db, clock), rates, verifier, clock });
    const numbers = Array.from({ length: 30 }, (_, i) => `+1415555${String(2600 + i)}`);
    await Promise.all(numbers.map((phone) => phones.start({ id: user.id, phoneE164: null, phoneVerifiedAt: null }, { phone, channel: 'call' }).catch(() => undefined)));
    expect(sends).toBeLessThanOrEqual(SENDS_PER_USER.limit);
  });
});
