import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { insertCalls } from '../calls/helpers/call-rows.js';
import { createTokenViaPage } from './helpers/tokens.js';

/**
 * A team token of the team's owner or admin lists and reads every member's calls on the team; a member's team token
 * (and a personal token) sees the user's own calls paid by its account; another account's call stays a 404.
 */
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const userIdOf = async (email: string) => Number((await t.testDb.db('users').where({ email }).first<{ id: number }>('id'))!.id);
const personalOf = async (userId: number) => Number((await t.testDb.db('accounts').where({ personal_user_id: userId }).first<{ id: number }>('id'))!.id);
const get = (token: string, path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
const listed = async (token: string) => ((await get(token, '/calls').expect(200)).body.data as { id: string }[]).map((c) => c.id).sort();

const ADA_TEAM = 'cl_ada_team_0000000001';
const ADA_PERSONAL = 'cl_ada_pers_0000000001';
const BOB_TEAM = 'cl_bob_team_0000000001';
const OTHER_TEAM = 'cl_other_tm_0000000001';

describe('calls a team token lists', () => {
  it("an owner's and an admin's team token see every member's team calls; a member's only their own; other accounts 404", async () => {
    const ada = await signedUpAgent(t, { email: 'ada@example.com' });
    const bob = await signedUpAgent(t, { email: 'bob@example.com', name: 'Bob Byte' });
    const adaId = await userIdOf('ada@example.com');
    const bobId = await userIdOf('bob@example.com');
    const created = await t.services.teams.create(adaId, 'Acme');
    if (!created.ok) throw new Error('no team');
    const team = created.value;
    const other = await t.services.teams.create(bobId, 'Elsewhere');
    if (!other.ok) throw new Error('no second team');
    const now = new Date().toISOString();
    await t.testDb.db('account_members').insert({ account_id: team, user_id: bobId, role: 'admin', created_at: now, updated_at: now });

    const adaPersonalToken = (await createTokenViaPage(ada.agent, { name: 'Mine', scope: 'read' })).secret;
    expect(await t.services.payingAccounts.choose(adaId, team)).toBe(true);
    const ownerToken = (await createTokenViaPage(ada.agent, { name: 'Acme owner', scope: 'calls' })).secret;
    expect(await t.services.payingAccounts.choose(bobId, team)).toBe(true);
    const adminToken = (await createTokenViaPage(bob.agent, { name: 'Acme admin', scope: 'read' })).secret;
    const laterMemberToken = (await createTokenViaPage(bob.agent, { name: 'Acme later', scope: 'read' })).secret;

    await insertCalls(t.testDb.db, [
      { id: ADA_TEAM, userId: adaId, createdAt: '2026-12-01T10:00:00.000Z' },
      { id: ADA_PERSONAL, userId: adaId, createdAt: '2026-12-01T11:00:00.000Z' },
      { id: BOB_TEAM, userId: bobId, createdAt: '2026-12-01T12:00:00.000Z' },
      { id: OTHER_TEAM, userId: bobId, createdAt: '2026-12-01T13:00:00.000Z' },
    ]);
    const paidBy = async (id: string, accountId: number) => t.testDb.db('calls').where({ id }).update({ account_id: accountId });
    await paidBy(ADA_TEAM, team);
    await paidBy(ADA_PERSONAL, await personalOf(adaId));
    await paidBy(BOB_TEAM, team);
    await paidBy(OTHER_TEAM, other.value);

    for (const token of [ownerToken, adminToken]) {
      expect(await listed(token)).toEqual([ADA_TEAM, BOB_TEAM].sort());
      expect((await get(token, `/calls?status=completed`).expect(200)).body.data).toHaveLength(2);
      await get(token, `/calls/${ADA_TEAM}`).expect(200);
      await get(token, `/calls/${BOB_TEAM}`).expect(200);
      await get(token, `/calls/${ADA_PERSONAL}`).expect(404);
      await get(token, `/calls/${OTHER_TEAM}`).expect(404);
    }
    // Hanging up stays the user's own: the owner's token cannot end the admin's call.
    await request(t.app).post(`/api/v1/calls/${BOB_TEAM}/hangup`).set('Authorization', `Bearer ${ownerToken}`).expect(404);
    expect(await listed(adaPersonalToken)).toEqual([ADA_PERSONAL]);
    await get(adaPersonalToken, `/calls/${ADA_TEAM}`).expect(404);

    // Bob demoted to member: his token (not yet looked up, so not cached) sees his own team call only.
    await t.testDb.db('account_members').where({ account_id: team, user_id: bobId }).update({ role: 'member' });
    expect(await listed(laterMemberToken)).toEqual([BOB_TEAM]);
    await get(laterMemberToken, `/calls/${BOB_TEAM}`).expect(200);
    await get(laterMemberToken, `/calls/${ADA_TEAM}`).expect(404);
    await get(laterMemberToken, `/calls/${OTHER_TEAM}`).expect(404);
  });
});
