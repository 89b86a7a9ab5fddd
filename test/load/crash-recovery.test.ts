import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimLeg } from '../../tools/storm/audit.js';
import { callStatus, placeCall, startCluster, waitUntil, type Cluster } from './cluster.js';

/**
 * Spawned processes, not mocks: an instance is SIGKILLed while a call is connected. On SQLite the one instance is
 * restarted; on PostgreSQL (DATABASE_URL) a second instance survives and carries on. Either way the call must
 * still end at its credit limit and be settled exactly once.
 */
const db = process.env.DATABASE_URL ? 'postgres' : 'sqlite';
// Slow enough that the call is still connected when the restarted instance is up (a tsx start takes seconds).
const SPEED = 5;
const NEVER_HANGS_UP = '+15005551009';
const GRACE_S = 5;

describe(`an instance killed mid-call (${db})`, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ instances: db === 'postgres' ? 2 : 1, db, speed: SPEED });
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('still caps the call at its credit and settles it once', async () => {
    const [user] = await cluster.users(1, 800_000); // about two minutes of talk to a US number
    await cluster.control('PUT', `/control/numbers/${encodeURIComponent(user!.phone)}`, { kind: 'answer', answerAfterS: 1 });
    await cluster.control('PUT', `/control/numbers/${encodeURIComponent(NEVER_HANGS_UP)}`, { kind: 'answer', answerAfterS: 2 });
    const session = await cluster.session(user!, 0);
    const id = await placeCall(session, NEVER_HANGS_UP);
    await waitUntil('the call to connect', async () => ((await callStatus(session.http, session.base, id)) === 'connected' ? true : undefined), 30_000);

    await cluster.kill(0);
    const survivor = db === 'postgres' ? cluster.instances[1]! : await cluster.start(0);
    const final = await waitUntil(
      'the call to end and be settled',
      async () => {
        const row = await cluster.database.db('calls').where({ id }).first();
        return row?.settled_at ? row : undefined;
      },
      90_000,
      500,
    );
    expect(await callStatus(session.http, survivor.url, id)).toMatch(/^(completed|ending)$/);

    const legs = (await cluster.control('GET', '/control/calls')) as SimLeg[];
    const child = legs.find((l) => l.parent_call_sid === final.parent_sid);
    expect(child?.status).toBe('completed');
    const hold = await cluster.database.db('credit_holds').where({ call_sid: id }).first();
    expect(hold.status).toBe('settled');
    expect(Number(child!.duration), 'talk time within what the credit paid for').toBeLessThanOrEqual(hold.max_seconds + GRACE_S);
    expect(Number(child!.duration)).toBeGreaterThan(0);

    const charges = await cluster.database.db('ledger_entries').where({ kind: 'call_charge', reference: id });
    expect(charges, 'charged exactly once').toHaveLength(1);
    expect(Number(final.cost_micros)).toBe(-Number(charges[0].amount_micros) + Number(final.uncollected_cost_micros ?? 0));
    expect(await cluster.audit()).toMatchObject({ openHolds: 0, driftMicros: 0, doubleCharges: 0, negativeBalances: 0, chargeMismatches: 0, heldMismatches: 0 });
  }, 180_000);
});
