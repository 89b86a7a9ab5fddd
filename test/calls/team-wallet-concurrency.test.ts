import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCallHarness, type CallHarness } from './helpers/call-harness.js';

/**
 * Accounts that pay (docs/teams.md), the must-show race: members of one team start calls at once, through the calls
 * service with its real transactions (and, on PostgreSQL, real parallel connections). Every start locks the team's
 * wallet row (FOR UPDATE) before it reads the credit held and the member's usage, so the starts queue there.
 *
 * Checked that this can fail: with the lock removed (`query.forUpdate()` dropped from lockWallet in
 * src/ledger/wallet-rows.ts) on PostgreSQL, the ten parallel starts all read the same held credit and all ten
 * started (lost updates of held_micros, Σholds far above the balance); with the lock back, exactly three.
 */

/** Each member may spend $1.00 a day, so each call's hold is at most $1.00: the team's $3.00 pays for three at once. */
const PER_MEMBER_DAY_MICROS = 1_000_000;
const TEAM_CREDIT_MICROS = 3 * PER_MEMBER_DAY_MICROS;

let h: CallHarness;
beforeEach(async () => {
  // Slow enough that no call rings out while the ten starts queue on the wallet's lock (at 200x the first leg's ring
  // timeout passed in about 0.2 s on PostgreSQL under load: a call ended, its hold was released, and the count of open
  // holds, or of calls started, was off by one). Every call here is ended by hangup, so this costs no time.
  h = await startCallHarness({ speed: 5 });
});
afterEach(async () => {
  try {
    await expectLedgerConsistent(h.testDb.db);
  } finally {
    await h.close();
  }
});

/** A team account owned by the harness's user, with `n` more members who may call (verified phones). */
async function teamWithMembers(n: number, limits: Record<string, unknown>): Promise<{ accountId: number; members: number[] }> {
  const db = h.testDb.db;
  const now = new Date().toISOString();
  const [row] = await db('accounts').insert({ kind: 'team', name: 'Acme', personal_user_id: null, created_at: now, updated_at: now }, ['id']);
  const accountId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  await db('account_members').insert({ account_id: accountId, user_id: h.userId, role: 'owner', created_at: now, updated_at: now });
  const members: number[] = [];
  for (let i = 0; i < n; i++) {
    const user = await h.built.services.users.insert(
      { email: `member${i}-${Math.random().toString(36).slice(2)}@example.com`, name: `Member ${i}`, passwordHash: 'x', role: 'user', phoneE164: `+120155501${String(30 + i)}`, phoneVerifiedAt: now, emailConfirmedAt: now },
      now,
    );
    await db('account_members').insert({ account_id: accountId, user_id: user.id, role: 'member', ...limits, created_at: now, updated_at: now });
    members.push(user.id);
  }
  return { accountId, members };
}

async function openHoldsOf(accountId: number) {
  const rows: { call_sid: string; user_id: number; amount_micros: number | string }[] = await h.testDb.db('credit_holds').where({ account_id: accountId, status: 'open' }).select('call_sid', 'user_id', 'amount_micros');
  return rows.map((r) => ({ callSid: r.call_sid, userId: Number(r.user_id), amountMicros: Number(r.amount_micros) }));
}

async function endAll(started: { userId: number; callId: string }[]) {
  for (const { userId, callId } of started) await h.built.services.calls.hangup(userId, callId);
  for (const { callId } of started) await h.waitForCall(callId, (c) => c.settledAt !== null);
}

describe('a team wallet shared by members starting calls at once', () => {
  it('ten members start at once on a wallet that can afford three: exactly three start, Σholds ≤ balance', async () => {
    const { accountId, members } = await teamWithMembers(10, { spend_per_day_micros: PER_MEMBER_DAY_MICROS });
    const money = h.built.services.money;
    await money.ledger.credit({ accountId, userId: h.userId }, { kind: 'grant', amountMicros: TEAM_CREDIT_MICROS, description: 'Team credit' });
    // A personal wallet with credit of its own must not be touched by team calls.
    const personalBefore = (await money.ledger.peek(members[0]!)).balanceMicros;

    const results = await Promise.all(members.map((userId, i) => h.built.services.calls.start({ userId, to: DESTINATION.replace(/8$/, String(i)), accountId })));
    const started = results.flatMap((r, i) => (r.ok ? [{ userId: members[i]!, callId: r.call.id }] : []));
    const refused = results.filter((r) => !r.ok);
    expect(started, JSON.stringify(refused)).toHaveLength(3);
    for (const r of refused) expect(r).toMatchObject({ ok: false, reason: 'insufficient-credit' });

    const holds = await openHoldsOf(accountId);
    expect(holds).toHaveLength(3);
    const wallet = await money.ledger.peek({ accountId });
    expect(holds.reduce((sum, hold) => sum + hold.amountMicros, 0)).toBe(wallet.heldMicros);
    expect(wallet.heldMicros).toBeLessThanOrEqual(wallet.balanceMicros);
    // Each call is the team's: the call row, its hold and the member who made it.
    for (const { userId, callId } of started) {
      expect(await h.call(callId)).toMatchObject({ accountId, userId });
      expect(holds.find((hold) => hold.callSid === callId)?.userId).toBe(userId);
    }
    expect((await money.ledger.peek(members[0]!)).balanceMicros).toBe(personalBefore);

    await endAll(started);
    const after = await money.ledger.peek({ accountId });
    expect(after.heldMicros).toBe(0);
    expect(after.balanceMicros).toBeLessThanOrEqual(TEAM_CREDIT_MICROS);
  });

  it('a member with max_concurrent_calls=1 starting in parallel gets exactly one call; a second member is not blocked by it', async () => {
    const { accountId, members } = await teamWithMembers(2, { max_concurrent_calls: 1 });
    const money = h.built.services.money;
    await money.ledger.credit({ accountId, userId: h.userId }, { kind: 'grant', amountMicros: 100_000_000, description: 'Team credit' });
    const [first, second] = members as [number, number];
    const results = await Promise.all(Array.from({ length: 6 }, () => h.built.services.calls.start({ userId: first, to: DESTINATION, accountId })));
    const started = results.flatMap((r) => (r.ok ? [{ userId: first, callId: r.call.id }] : []));
    expect(started).toHaveLength(1);
    expect((await openHoldsOf(accountId)).filter((hold) => hold.userId === first)).toHaveLength(1);
    // Another member's cap counts only their own calls.
    const other = await h.built.services.calls.start({ userId: second, to: DESTINATION, accountId });
    expect(other.ok).toBe(true);
    if (other.ok) started.push({ userId: second, callId: other.call.id });
    await endAll(started);
  });

  it('refuses by name: the member cap on calls at once, the day\'s spend, the countries; and an account the user is not in', async () => {
    const { accountId, members } = await teamWithMembers(1, { allowed_countries: 'US,FR' });
    const [member] = members as [number];
    const money = h.built.services.money;
    await money.ledger.credit({ accountId, userId: h.userId }, { kind: 'grant', amountMicros: 10_000_000, description: 'Team credit' });
    const calls = h.built.services.calls;
    expect(await calls.start({ userId: member, to: DESTINATION, accountId })).toMatchObject({ ok: false, reason: 'member-limit', message: 'Acme lets you call only US, FR: this number is in GB.' });

    await h.testDb.db('account_members').where({ account_id: accountId, user_id: member }).update({ allowed_countries: null, spend_per_day_micros: 0 });
    expect(await calls.start({ userId: member, to: DESTINATION, accountId })).toMatchObject({ ok: false, reason: 'member-limit', message: expect.stringContaining('spending limit of $0.0000 a day with Acme is reached') });

    await h.testDb.db('account_members').where({ account_id: accountId, user_id: member }).update({ spend_per_day_micros: null, max_concurrent_calls: 0 });
    expect(await calls.start({ userId: member, to: DESTINATION, accountId })).toMatchObject({ ok: false, reason: 'member-limit', message: 'Acme lets you make 0 calls at once: wait for the other one to finish.' });

    // Another team's account: not a member, so it does not exist for this user.
    const now = new Date().toISOString();
    const [row] = await h.testDb.db('accounts').insert({ kind: 'team', name: 'Other', personal_user_id: null, created_at: now, updated_at: now }, ['id']);
    const otherId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
    expect(await calls.start({ userId: member, to: DESTINATION, accountId: otherId })).toMatchObject({ ok: false, reason: 'no-account' });
    expect(await openHoldsOf(accountId)).toEqual([]);
  });

  it('endMemberCalls ends the member\'s live call paid by that account, and no call paid by another', async () => {
    const { accountId, members } = await teamWithMembers(1, {});
    const [member] = members as [number];
    const money = h.built.services.money;
    await money.ledger.credit({ accountId, userId: h.userId }, { kind: 'grant', amountMicros: 10_000_000, description: 'Team credit' });
    const calls = h.built.services.calls;
    const started = await calls.start({ userId: member, to: DESTINATION, accountId });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const personal = await money.ledger.accountOf(member);
    expect(await calls.endMemberCalls(personal, member)).toBe(0);
    expect((await h.call(started.call.id)).hangupRequestedAt).toBeNull();
    expect(await calls.endMemberCalls(accountId, member)).toBe(1);
    expect(await calls.recentForAccount(accountId)).toMatchObject([{ id: started.call.id, userId: member, accountId }]);
    await h.waitForCall(started.call.id, (c) => c.settledAt !== null);
  });
});
