import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import type { TeamsService } from '../../src/teams/teams-service.js';
import { createUser, invitationLink, tokenOf } from './helpers.js';

let t: TestApp;
let teams: TeamsService;
let ended: Array<[number, number]>;
let owner: number;
let admin: number;
let member: number;
let outsider: number;
let teamId: number;

/** Invites `email` as `role` from `by`, and returns the emailed link's token. */
async function invite(email: string, role: 'admin' | 'member', by = owner, team = teamId): Promise<string> {
  const outcome = await teams.invite(by, team, { email, role });
  if (!outcome.ok) throw new Error(`invite failed: ${JSON.stringify(outcome)}`);
  return tokenOf(await invitationLink(t, email));
}

async function join(userId: number, email: string, role: 'admin' | 'member') {
  const accepted = await teams.accept(userId, await invite(email, role));
  expect(accepted.ok).toBe(true);
}

const roleOf = async (userId: number, team = teamId) => (await t.testDb.db('account_members').where({ account_id: team, user_id: userId }).first('role'))?.role as string | undefined;

beforeEach(async () => {
  ended = [];
  t = await createTestApp({}, {}, { endMemberCalls: async (accountId, userId) => void ended.push([accountId, userId]) });
  teams = t.services.teams;
  const db = t.testDb.db;
  [owner, admin, member, outsider] = [await createUser(db, 'olive@example.com', 'Olive'), await createUser(db, 'adam@example.com', 'Adam'), await createUser(db, 'mia@example.com', 'Mia'), await createUser(db, 'xena@example.com', 'Xena')];
  const created = await teams.create(owner, '  Acme   Sales ');
  if (!created.ok) throw new Error('create failed');
  teamId = created.value;
  await join(admin, 'adam@example.com', 'admin');
  await join(member, 'mia@example.com', 'member');
});
afterEach(async () => {
  await t.close();
});

describe('creating a team', () => {
  it('makes a team account with the creator as its one owner, audited in the same change', async () => {
    const account = await t.testDb.db('accounts').where({ id: teamId }).first();
    expect(account).toMatchObject({ kind: 'team', name: 'Acme Sales', personal_user_id: null });
    expect(await roleOf(owner)).toBe('owner');
    expect(await t.testDb.db('audit_log').where({ action: 'team.create', subject: `team ${teamId}` }).first('actor_id')).toEqual({ actor_id: owner });
    expect((await teams.list(owner)).map((x) => [x.name, x.role, x.members])).toEqual([['Acme Sales', 'owner', 3]]);
  });

  it('refuses an empty or too long name, naming the field, and creates nothing', async () => {
    const before = await t.testDb.db('accounts').count({ n: '*' });
    expect(await teams.create(owner, '   ')).toEqual({ ok: false, reason: 'invalid', errors: { name: 'Enter a name for the team.' } });
    expect(await teams.create(owner, 'x'.repeat(81))).toMatchObject({ ok: false, errors: { name: expect.stringContaining('At most 80') } });
    expect(await t.testDb.db('accounts').count({ n: '*' })).toEqual(before);
  });
});

describe('invitations', () => {
  it('accepting adds the membership with the invited role; the email holds the team, the inviter and a 7-day link', async () => {
    const bob = await createUser(t.testDb.db, 'bob@example.com', 'Bob');
    await teams.invite(admin, teamId, { email: ' Bob@Example.com ', role: 'member' });
    await t.services.email.idle();
    const [email] = await t.services.email.outboxJson('bob@example.com');
    expect(email!.subject).toBe('You are invited to a team on callbridge');
    expect(email!.text).toContain('Adam invites you to join the team "Acme Sales"');
    const token = tokenOf(await invitationLink(t, 'bob@example.com'));
    const found = await teams.byToken(token);
    expect(found).toMatchObject({ state: 'open', team: { id: teamId }, invitation: { email: 'bob@example.com', invitedByName: 'Adam' } });
    expect(new Date(found!.invitation.expiresAt).getTime() - t.clock.now().getTime()).toBe(7 * 86_400_000);
    expect(await teams.accept(bob, token)).toMatchObject({ ok: true, value: { id: teamId } });
    expect(await roleOf(bob)).toBe('member');
    expect(await t.testDb.db('audit_log').where({ action: 'team.join', actor_id: bob }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('is single use: a second acceptance (also at the same moment) is refused as used', async () => {
    const bob = await createUser(t.testDb.db, 'bob@example.com', 'Bob');
    const token = await invite('bob@example.com', 'member');
    const both = await Promise.all([teams.accept(bob, token), teams.accept(bob, token)]);
    expect(both.filter((o) => o.ok)).toHaveLength(1);
    expect(await teams.accept(bob, token)).toEqual({ ok: false, reason: 'dead', state: 'used' });
    expect(await t.testDb.db('account_members').where({ account_id: teamId, user_id: bob }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('expires after 7 days', async () => {
    const bob = await createUser(t.testDb.db, 'bob@example.com', 'Bob');
    const token = await invite('bob@example.com', 'member');
    t.clock.advance(7 * 86_400_000 - 1000);
    expect((await teams.byToken(token))!.state).toBe('open');
    t.clock.advance(1000);
    expect((await teams.byToken(token))!.state).toBe('expired');
    expect(await teams.accept(bob, token)).toEqual({ ok: false, reason: 'dead', state: 'expired' });
    expect(await roleOf(bob)).toBeUndefined();
  });

  it('is revocable by owners and admins, not members nor other teams', async () => {
    const bob = await createUser(t.testDb.db, 'bob@example.com', 'Bob');
    const token = await invite('bob@example.com', 'admin');
    const { invitation } = (await teams.byToken(token))!;
    const otherTeam = await teams.create(outsider, 'Other');
    if (!otherTeam.ok) throw new Error('create');
    expect(await teams.revokeInvitation(member, teamId, invitation.id)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.revokeInvitation(outsider, teamId, invitation.id)).toEqual({ ok: false, reason: 'missing' });
    expect(await teams.revokeInvitation(outsider, otherTeam.value, invitation.id)).toEqual({ ok: false, reason: 'missing' });
    expect(await teams.revokeInvitation(admin, teamId, invitation.id)).toMatchObject({ ok: true });
    expect(await teams.revokeInvitation(admin, teamId, invitation.id)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.accept(bob, token)).toEqual({ ok: false, reason: 'dead', state: 'revoked' });
  });

  it('a new invitation to the same address replaces the earlier link', async () => {
    const bob = await createUser(t.testDb.db, 'bob@example.com', 'Bob');
    const first = await invite('bob@example.com', 'member');
    await teams.invite(owner, teamId, { email: 'bob@example.com', role: 'admin' });
    expect((await teams.byToken(first))!.state).toBe('revoked');
    await t.services.email.idle();
    const links = (await t.services.email.outboxJson('bob@example.com')).flatMap((e) => e.links).filter((l) => l.includes('/teams/invitations/'));
    const second = links.map(tokenOf).find((x) => x !== first)!;
    expect(await teams.accept(bob, second)).toMatchObject({ ok: true });
    expect(await roleOf(bob)).toBe('admin');
  });

  it('must be accepted by the invited address: another user is told which address it is for', async () => {
    const token = await invite('bob@example.com', 'member');
    expect(await teams.accept(outsider, token)).toEqual({ ok: false, reason: 'mismatch', invited: 'bob@example.com' });
    expect(await roleOf(outsider)).toBeUndefined();
    expect((await teams.byToken(token))!.state).toBe('open');
  });

  it('refuses bad input by field, a current member, and invitations from members', async () => {
    expect(await teams.invite(owner, teamId, { email: 'not-an-email', role: 'owner' })).toEqual({ ok: false, reason: 'invalid', errors: { email: expect.any(String), role: 'Choose Admin or Member.' } });
    expect(await teams.invite(owner, teamId, { email: 'MIA@example.com', role: 'member' })).toEqual({ ok: false, reason: 'invalid', errors: { email: 'mia@example.com is already a member of this team.' } });
    expect(await teams.invite(member, teamId, { email: 'bob@example.com', role: 'member' })).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.invite(outsider, teamId, { email: 'bob@example.com', role: 'member' })).toEqual({ ok: false, reason: 'missing' });
    expect(await t.services.email.outboxJson('bob@example.com')).toEqual([]);
  });

  it('an unknown token is missing', async () => {
    expect(await teams.byToken('nope')).toBeUndefined();
    expect(await teams.accept(outsider, 'nope')).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('roles and permissions', () => {
  it('owners and admins change roles of others; admins cannot touch the owner; members change nothing', async () => {
    expect(await teams.changeRole(admin, teamId, member, 'admin')).toMatchObject({ ok: true });
    expect(await roleOf(member)).toBe('admin');
    expect(await teams.changeRole(owner, teamId, member, 'member')).toMatchObject({ ok: true });
    expect(await teams.changeRole(admin, teamId, owner, 'member')).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.changeRole(member, teamId, admin, 'member')).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.changeRole(admin, teamId, admin, 'member')).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.changeRole(owner, teamId, member, 'owner')).toMatchObject({ ok: false, reason: 'invalid', errors: { role: expect.any(String) } });
    expect(await roleOf(owner)).toBe('owner');
    expect(await roleOf(admin)).toBe('admin');
  });

  it('another team’s ids answer missing for every change, whatever the role there', async () => {
    const other = await teams.create(outsider, 'Other');
    if (!other.ok) throw new Error('create');
    for (const outcome of [
      await teams.changeRole(outsider, teamId, member, 'admin'),
      await teams.changeRole(outsider, other.value, member, 'admin'),
      await teams.changeRole(outsider, other.value, member, 'owner'),
      await teams.setLimits(outsider, teamId, member, { spend_per_day: '1' }),
      await teams.setLimits(outsider, other.value, member, { spend_per_day: '1' }),
      await teams.remove(outsider, teamId, member),
      await teams.remove(outsider, other.value, member),
      await teams.transfer(outsider, other.value, member),
      await teams.leave(outsider, teamId),
    ]) expect(outcome).toEqual({ ok: false, reason: 'missing' });
    expect(await teams.view(outsider, teamId)).toBeUndefined();
    expect(await teams.member(outsider, teamId, member)).toBeUndefined();
    expect(await teams.member(owner, teamId, outsider)).toBeUndefined();
    expect(await teams.view(owner, (await t.testDb.db('accounts').where({ personal_user_id: owner }).first('id')).id)).toBeUndefined();
    expect(ended).toEqual([]);
  });

  it('transfer: the new owner is the only owner and the old one becomes an admin', async () => {
    expect(await teams.transfer(admin, teamId, member)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.transfer(owner, teamId, member)).toMatchObject({ ok: true });
    expect([await roleOf(owner), await roleOf(member)]).toEqual(['admin', 'owner']);
    expect(await t.testDb.db('account_members').where({ account_id: teamId, role: 'owner' }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await teams.transfer(owner, teamId, admin)).toMatchObject({ ok: false, reason: 'forbidden' });
  });

  it('two transfers at once leave exactly one owner (the team row is locked for the change)', async () => {
    const both = await Promise.all([teams.transfer(owner, teamId, member), teams.transfer(owner, teamId, admin)]);
    expect(both.filter((o) => o.ok)).toHaveLength(1);
    expect(await t.testDb.db('account_members').where({ account_id: teamId, role: 'owner' }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await roleOf(owner)).toBe('admin');
  });

  it('leave: the owner must transfer first; a member leaves and their live calls on the team end', async () => {
    expect(await teams.leave(owner, teamId)).toMatchObject({ ok: false, reason: 'forbidden', message: expect.stringContaining('Transfer ownership') });
    expect(await teams.leave(member, teamId)).toMatchObject({ ok: true, value: { id: teamId } });
    expect(await roleOf(member)).toBeUndefined();
    expect(ended).toEqual([[teamId, member]]);
    await teams.transfer(owner, teamId, admin);
    expect(await teams.leave(owner, teamId)).toMatchObject({ ok: true });
  });

  it('remove: owners and admins remove others (not the owner); the hook ends the removed member’s calls', async () => {
    expect(await teams.remove(member, teamId, admin)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.remove(admin, teamId, owner)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.remove(admin, teamId, admin)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(ended).toEqual([]);
    expect(await teams.remove(admin, teamId, member)).toMatchObject({ ok: true, value: { userId: member } });
    expect(ended).toEqual([[teamId, member]]);
    expect(await roleOf(member)).toBeUndefined();
    expect(await t.testDb.db('audit_log').where({ action: 'team.remove', actor_id: admin }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('a failing hook does not undo the removal nor fail it', async () => {
    const err = vi.fn();
    await t.close();
    t = await createTestApp({}, {}, { endMemberCalls: async () => { err(); throw new Error('telephony down'); } });
    teams = t.services.teams;
    const a = await createUser(t.testDb.db, 'a@example.com');
    const b = await createUser(t.testDb.db, 'b@example.com');
    const team = await teams.create(a, 'T');
    if (!team.ok) throw new Error('create');
    teamId = team.value;
    owner = a;
    await join(b, 'b@example.com', 'member');
    expect(await teams.remove(a, teamId, b)).toMatchObject({ ok: true });
    expect(err).toHaveBeenCalledOnce();
    expect(await roleOf(b)).toBeUndefined();
  });
});

describe('per-member limits', () => {
  it('are saved in micros and read back; empty means no limit', async () => {
    const saved = await teams.setLimits(admin, teamId, member, { spend_per_day: '5', spend_per_month: '120.50', max_concurrent_calls: '2', allowed_countries: 'gb, fr us' });
    expect(saved).toMatchObject({ ok: true });
    expect(await t.testDb.db('account_members').where({ account_id: teamId, user_id: member }).first('spend_per_day_micros', 'spend_per_month_micros', 'max_concurrent_calls', 'allowed_countries'))
      .toEqual({ spend_per_day_micros: expect.anything(), spend_per_month_micros: expect.anything(), max_concurrent_calls: 2, allowed_countries: 'FR,GB,US' });
    const read = (await teams.member(owner, teamId, member))!.target;
    expect(read).toMatchObject({ spendPerDayMicros: 5_000_000, spendPerMonthMicros: 120_500_000, maxConcurrentCalls: 2, allowedCountries: ['FR', 'GB', 'US'] });
    await teams.setLimits(owner, teamId, member, {});
    expect((await teams.member(owner, teamId, member))!.target).toMatchObject({ spendPerDayMicros: null, spendPerMonthMicros: null, maxConcurrentCalls: null, allowedCountries: null });
  });

  it('bad values are named by field and nothing is saved', async () => {
    await teams.setLimits(owner, teamId, member, { spend_per_day: '5' });
    const outcome = await teams.setLimits(owner, teamId, member, { spend_per_day: '-1', spend_per_month: '1.234', max_concurrent_calls: '0', allowed_countries: 'GB, XX' });
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid' });
    expect(Object.keys((outcome as { errors: object }).errors).sort()).toEqual(['allowed_countries', 'max_concurrent_calls', 'spend_per_day', 'spend_per_month']);
    expect((await teams.member(owner, teamId, member))!.target.spendPerDayMicros).toBe(5_000_000);
  });

  it('who may set them: owner for anyone, admins for others but not the owner nor themselves, members never', async () => {
    const body = { max_concurrent_calls: '1' };
    expect(await teams.setLimits(owner, teamId, owner, body)).toMatchObject({ ok: true });
    expect(await teams.setLimits(owner, teamId, admin, body)).toMatchObject({ ok: true });
    expect(await teams.setLimits(admin, teamId, member, body)).toMatchObject({ ok: true });
    expect(await teams.setLimits(admin, teamId, owner, body)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.setLimits(admin, teamId, admin, body)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await teams.setLimits(member, teamId, member, body)).toMatchObject({ ok: false, reason: 'forbidden' });
  });
});
