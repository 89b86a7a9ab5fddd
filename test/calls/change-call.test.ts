import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsRepository, type CallsRepository, type KeyedEvent } from '../../src/calls/calls-repository.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { callId, insertCalls } from './helpers/call-rows.js';

let testDb: TestDb;
let repo: CallsRepository;
const ID = callId(1);

beforeEach(async () => {
  testDb = await createTestDb();
  const [userId] = await testDb.db('users').insert({ email: 'a@example.test', name: 'A', password_hash: 'x', role: 'user', created_at: 'now', updated_at: 'now' }).returning('id');
  await insertCalls(testDb.db, [{ id: ID, userId: Number((userId as { id?: number }).id ?? userId), createdAt: new Date().toISOString(), status: 'connected' }]);
  repo = callsRepository(testDb.db);
});
afterEach(async () => {
  await testDb.destroy();
});

const keyed = (n: number): KeyedEvent => ({ event: { source: 'us', event: `step ${n}`, sequence: null, params: null, receivedAt: new Date().toISOString() }, dedupeKey: `step:${n}` });

describe('changing a call without a lock held across round trips', () => {
  it('loses no update when many writers change the same call at once: each decides on the call as it stands', async () => {
    // A read-modify-write on every change: without the version check, writers that read the same version would
    // overwrite each other and the counter would end below the number of writers (PostgreSQL; SQLite serialises).
    const writers = 40;
    let decisions = 0;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, n) =>
        repo.changeCall(ID, (call) => {
          decisions++;
          return { kind: 'change', patch: { talkLimitS: call.talkLimitS + 1 }, events: [keyed(n)] };
        }),
      ),
    );
    expect(results.every((r) => r?.recorded)).toBe(true);
    expect((await repo.find(ID))!.talkLimitS).toBe(570 + writers);
    expect(await testDb.db('call_events').where({ call_id: ID }).count({ n: '*' }).first()).toMatchObject({ n: writers });
    // On PostgreSQL the writers really raced: some lost and decided again on the fresh row.
    if (testDb.engine === 'postgres') expect(decisions).toBeGreaterThan(writers);
    else expect(decisions).toBe(writers);
  });

  it('records a repeated event once and changes nothing for it', async () => {
    const first = await repo.changeCall(ID, () => ({ kind: 'record', event: keyed(1) }));
    const again = await repo.changeCall(ID, () => ({ kind: 'record', event: keyed(1) }));
    expect([first?.recorded, again?.recorded]).toEqual([true, false]);
    expect((await repo.find(ID))!.talkLimitS).toBe(570);
  });

  it('answers undefined for an unknown call and writes nothing', async () => {
    let decided = false;
    const outcome = await repo.changeCall(callId(2), () => {
      decided = true;
      return { kind: 'change', patch: { talkLimitS: 1 }, events: [keyed(1)] };
    });
    expect(outcome).toBeUndefined();
    expect(decided).toBe(false);
    expect(await testDb.db('call_events').count({ n: '*' }).first()).toMatchObject({ n: 0 });
  });

  it('every other write of a call bumps its version, so a decision made before it is made again', async () => {
    const version = async () => Number((await testDb.db('calls').where({ id: ID }).first('version')).version);
    const before = await version();
    await repo.update(ID, { expectedEndAt: new Date().toISOString() });
    await repo.recordSettlement(ID, { costMicros: 0, uncollectedCostMicros: 0, costBreakdown: null, settledAt: new Date().toISOString() });
    expect(await version()).toBe(before + 2);
  });
});
