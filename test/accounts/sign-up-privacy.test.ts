import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsService } from '../../src/accounts/accounts-service.js';
import { argon2Hasher, type PasswordHasher } from '../../src/accounts/passwords.js';
import { sessionsRepository } from '../../src/accounts/sessions-repository.js';
import { usersRepository } from '../../src/accounts/users-repository.js';
import { ManualClock } from '../../src/clock.js';
import { attemptCounters } from '../../src/rate-limits/attempt-counters.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let t: TestDb;
beforeEach(async () => {
  t = await createTestDb();
});
afterEach(async () => {
  await t.destroy();
});

describe('sign-up with a taken email', () => {
  it('does the same work as a new sign-up (one password hash), so timing does not tell them apart', async () => {
    const clock = new ManualClock();
    const real = argon2Hasher({ memoryCost: 1024, timeCost: 1 });
    let hashes = 0;
    const hasher: PasswordHasher = { hash: (p) => (hashes++, real.hash(p)), verify: real.verify };
    const accounts = accountsService({ users: usersRepository(t.db), sessions: sessionsRepository(t.db), counters: attemptCounters(t.db, clock), hasher, clock });
    const input = { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' };

    const fresh = await accounts.signUp(input, '192.0.2.1');
    expect(fresh).toMatchObject({ limited: false, created: { email: 'ada@example.com' } });
    expect(hashes).toBe(1);
    const taken = await accounts.signUp({ ...input, password: 'another long password' }, '192.0.2.2');
    expect(taken).toEqual({ limited: false, created: undefined });
    expect(hashes).toBe(2);
  });
});
