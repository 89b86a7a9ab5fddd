import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_AUTH_TOKEN } from '../../src/sim/constants.js';
import type { LogEntry } from '../../src/sim/webhooks.js';
import { sumSamples } from '../../tools/storm/prometheus.js';
import { callStatus, METRICS_TOKEN, placeCall, startCluster, waitUntil, type Cluster } from './cluster.js';

const postgres = process.env.DATABASE_URL?.startsWith('postgres');
if (!postgres) console.warn('postgres-race.test.ts skipped: two instances need a shared PostgreSQL database; set DATABASE_URL=postgres://... to run it');

const DESTINATION = '+15005551011';

/**
 * Two instances on one PostgreSQL database receive the same call's webhooks at the same moment (every callback
 * duplicated by the simulator, the duplicates sent to different instances by the proxy, then every final callback
 * replayed at both instances at once) while both are polled: the call is settled, and charged, exactly once.
 */
describe.skipIf(!postgres)('two instances racing on one call (PostgreSQL)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2, db: 'postgres', speed: 50 });
  }, 120_000);
  afterAll(() => cluster?.stop(), 60_000);

  it('settles the call once, whichever instance hears of its end first', async () => {
    const [user] = await cluster.users(1, 50_000_000);
    await cluster.control('PUT', `/control/numbers/${encodeURIComponent(user!.phone)}`, { kind: 'answer', answerAfterS: 1 });
    await cluster.control('PUT', `/control/numbers/${encodeURIComponent(DESTINATION)}`, { kind: 'answer', answerAfterS: 2, hangupAfterS: 40 });
    await cluster.control('PUT', '/control/faults', { duplicateWebhooks: true });
    const [a, b] = [cluster.instances[0]!, cluster.instances[1]!];
    const session = await cluster.session(user!, 0);
    const id = await placeCall(session, DESTINATION);

    // Both instances are polled while the callbacks land on both.
    const states = await waitUntil(
      'the call to be over',
      async () => {
        const seen = await Promise.all([callStatus(session.http, a.url, id), callStatus(session.http, b.url, id)]);
        return seen.every((s) => s === 'completed') ? seen : undefined;
      },
      60_000,
      100,
    );
    expect(states).toEqual(['completed', 'completed']);

    // Every status callback the call had, replayed at both instances at the same moment, three times.
    const callbacks = ((await cluster.control('GET', '/control/log?kind=status-callback')) as LogEntry[]).filter((e) => e.direction === 'outbound' && e.delivery !== 'duplicate');
    expect(callbacks.length).toBeGreaterThan(3);
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        callbacks.flatMap((entry) =>
          [a.url, b.url].map(async (base) => {
            const params = Object.fromEntries(Object.entries(entry.params).map(([k, v]) => [k, Array.isArray(v) ? v[0]! : v]));
            const signature = twilio.getExpectedTwilioSignature(SIM_AUTH_TOKEN, entry.url, params);
            const target = new URL(entry.url);
            const res = await fetch(`${base}${target.pathname}${target.search}`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
              body: new URLSearchParams(params).toString(),
            });
            expect(res.status, `${entry.url} replayed at ${base}`).toBeLessThan(300);
          }),
        ),
      );
    }

    const charges = await cluster.database.db('ledger_entries').where({ kind: 'call_charge', reference: id });
    expect(charges, 'one charge for the call').toHaveLength(1);
    const call = await cluster.database.db('calls').where({ id }).first();
    expect(call.settled_at).not.toBeNull();
    expect(-Number(charges[0].amount_micros)).toBe(Number(call.cost_micros));
    const metrics = await Promise.all([a, b].map(async (i) => (await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()));
    expect(sumSamples(metrics, 'callbridge_settlements_total'), 'settled once across both instances').toBe(1);
    expect(await cluster.audit()).toMatchObject({ openHolds: 0, driftMicros: 0, doubleCharges: 0, negativeBalances: 0, chargeMismatches: 0, heldMismatches: 0 });
  }, 180_000);
});
