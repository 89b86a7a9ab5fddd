import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, makeAdmin, signedUpAgent, type TestApp } from '../helpers/app.js';
import { invitationLink } from './helpers.js';

let t: TestApp;
let olive: Awaited<ReturnType<typeof signedUpAgent>>;
let mia: Awaited<ReturnType<typeof signedUpAgent>>;
let xena: Awaited<ReturnType<typeof signedUpAgent>>;
let teamId: string;
let miaId: number;
let oliveId: number;
const ended: Array<[number, number]> = [];

const post = (who: typeof olive, path: string, fields: Record<string, string> = {}) => who.agent.post(path).type('form').send({ _csrf: who.csrf, ...fields });
const userId = async (email: string) => (await t.testDb.db('users').where({ email }).first('id')).id as number;

beforeAll(async () => {
  t = await createTestApp({ SIMULATE: 'true' }, {}, { endMemberCalls: async (a, u) => void ended.push([a, u]) });
  olive = await signedUpAgent(t, { name: 'Olive Owner', email: 'olive@example.com' });
  mia = await signedUpAgent(t, { name: 'Mia Member', email: 'mia@example.com' });
  xena = await signedUpAgent(t, { name: 'Xena Outsider', email: 'xena@example.com' });
  [oliveId, miaId] = [await userId('olive@example.com'), await userId('mia@example.com')];
});
afterAll(async () => {
  await t.close();
});

describe('teams through the web forms (no JavaScript)', () => {
  it('shows the empty state and the create form; the nav links to Teams', async () => {
    const page = await olive.agent.get('/teams');
    expect(page.status).toBe(200);
    expect(page.text).toContain('You are in no team yet.');
    expect(page.text).toMatch(/<a href="\/teams" aria-current="page">Teams<\/a>/);
    expect(page.text).toContain('action="/teams"');
  });

  it('refuses a create without the CSRF token, and a bad name with the field named', async () => {
    expect((await olive.agent.post('/teams').type('form').send({ name: 'Acme' })).status).toBe(403);
    const bad = await post(olive, '/teams', { name: '   ' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a name for the team.');
    expect(bad.text).toContain('href="#name"');
    expect(await t.testDb.db('accounts').where({ kind: 'team' }).count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('creates a team and lands on its page as owner', async () => {
    const created = await post(olive, '/teams', { name: 'Acme Sales' });
    expect(created.status).toBe(303);
    teamId = created.headers.location!.split('/').pop()!;
    const page = await olive.agent.get(`/teams/${teamId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 id="team-heading">Acme Sales</h1>');
    expect(page.text).toContain('Send invitation');
    expect((await olive.agent.get('/teams')).text).toMatch(/Acme Sales<\/a><\/td><td data-label="Your role">Owner<\/td><td data-label="Members" class="num">1</);
  });

  it('invites by email; the link shows the team and inviter, logged out it leads to log in and back', async () => {
    const bad = await post(olive, `/teams/${teamId}/invitations`, { email: 'nope', role: 'member' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter an email address such as name@example.com.');
    expect((await post(olive, `/teams/${teamId}/invitations`, { email: 'mia@example.com', role: 'member' })).status).toBe(303);
    const withInvitation = await olive.agent.get(`/teams/${teamId}`);
    expect(withInvitation.text).toContain('Invitation sent to mia@example.com. The link works for 7 days.');
    expect(withInvitation.text).toMatch(/mia@example\.com · Member · until \d{4}-\d\d-\d\d · from Olive Owner/);
    const link = new URL(await invitationLink(t, 'mia@example.com'));
    const outside = await request(t.app).get(link.pathname);
    expect(outside.status).toBe(200);
    expect(outside.text).toContain('Olive Owner invites <strong>mia@example.com</strong> to join <strong>Acme Sales</strong> as member');
    expect(outside.text).toContain(`/login?next=${encodeURIComponent(link.pathname)}`);
    // Logged out, the accept POST goes to the log-in page and back to the link.
    const anonymous = request.agent(t.app);
    const csrf = /"X-CSRF-Token": "([^"]+)"/.exec((await anonymous.get(link.pathname)).text)![1]!;
    const loginRedirect = await anonymous.post(link.pathname).type('form').send({ _csrf: csrf });
    expect(loginRedirect.status).toBe(303);
    expect(loginRedirect.headers.location).toBe(`/login?next=${encodeURIComponent(link.pathname)}`);
  });

  it('another address is told whom the invitation is for and cannot accept it', async () => {
    const link = new URL(await invitationLink(t, 'mia@example.com'));
    const page = await xena.agent.get(link.pathname);
    expect(page.text).toContain('This invitation is for mia@example.com, and you are logged in as xena@example.com.');
    expect(page.text).not.toContain('Accept and join');
    const refused = await post(xena, link.pathname);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('This invitation is for mia@example.com');
  });

  it('the invited user accepts with the CSRF token; the link then says it was used', async () => {
    const link = new URL(await invitationLink(t, 'mia@example.com'));
    expect((await mia.agent.get(link.pathname)).text).toContain('Accept and join Acme Sales');
    expect((await mia.agent.post(link.pathname).type('form').send({})).status).toBe(403);
    const accepted = await post(mia, link.pathname);
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe(`/teams/${teamId}`);
    expect((await mia.agent.get(`/teams/${teamId}`)).text).toContain('You are <strong>member</strong> of this team.');
    const again = await mia.agent.get(link.pathname);
    expect(again.status).toBe(410);
    expect(again.text).not.toContain('Accept and join');
    expect(again.text).toContain('This invitation was already used');
  });

  it('a member sees the team but no invite form, and is refused management (403)', async () => {
    const page = await mia.agent.get(`/teams/${teamId}`);
    expect(page.text).not.toContain('Send invitation');
    expect((await post(mia, `/teams/${teamId}/invitations`, { email: 'z@example.com', role: 'member' })).status).toBe(403);
    expect((await post(mia, `/teams/${teamId}/members/${oliveId}/limits`, { spend_per_day: '1' })).status).toBe(403);
  });

  it('limits: errors named by field (422), then saved and shown', async () => {
    const bad = await post(olive, `/teams/${teamId}/members/${miaId}/limits`, { spend_per_day: 'ten', spend_per_month: '', max_concurrent_calls: '99', allowed_countries: 'GB, QQ' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Spend per day: enter an amount such as 20.00');
    expect(bad.text).toContain('Concurrent calls: a whole number from 1 to 50');
    expect(bad.text).toContain('Allowed countries: QQ is not a two-letter country code');
    expect(bad.text).toContain('value="GB, QQ"');
    const saved = await post(olive, `/teams/${teamId}/members/${miaId}/limits`, { spend_per_day: '10', spend_per_month: '100', max_concurrent_calls: '1', allowed_countries: 'gb' });
    expect(saved.status).toBe(303);
    expect((await olive.agent.get(`/teams/${teamId}`)).text).toMatch(/\$10\.0000 a day · \$100\.0000 a month · 1 call at once · only GB/);
  });

  it('another team’s ids answer 404 to an outsider on every team route', async () => {
    const paths = [`/teams/${teamId}`, `/teams/${teamId}/leave`, `/teams/${teamId}/members/${miaId}`, `/teams/${teamId}/members/${miaId}/remove`, `/teams/${teamId}/members/${miaId}/transfer`];
    for (const path of paths) expect((await xena.agent.get(path)).status, path).toBe(404);
    for (const path of [`/teams/${teamId}/invitations`, `/teams/${teamId}/leave`, `/teams/${teamId}/members/${miaId}/role`, `/teams/${teamId}/members/${miaId}/remove`, `/teams/${teamId}/members/${miaId}/transfer`]) {
      expect((await post(xena, path, { role: 'admin', email: 'x@example.com' })).status, path).toBe(404);
    }
    expect((await olive.agent.get(`/teams/${teamId}/members/${await userId('xena@example.com')}`)).status).toBe(404);
    expect((await olive.agent.get('/teams/abc')).status).toBe(404);
  });

  it('removing asks first; the removed member loses the team and the hook ends their calls', async () => {
    const confirm = await olive.agent.get(`/teams/${teamId}/members/${miaId}/remove`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Remove Mia Member from Acme Sales?');
    const removed = await post(olive, `/teams/${teamId}/members/${miaId}/remove`);
    expect(removed.status).toBe(303);
    expect(ended).toEqual([[Number(teamId), miaId]]);
    expect((await mia.agent.get(`/teams/${teamId}`)).status).toBe(404);
  });

  it('the owner is told to transfer before leaving', async () => {
    const page = await olive.agent.get(`/teams/${teamId}/leave`);
    expect(page.text).toContain('Transfer ownership to another member before you leave');
    expect((await post(olive, `/teams/${teamId}/leave`)).status).toBe(403);
  });
});

describe('admin teams pages', () => {
  it('are for admins only; list by name with search, the team page, the user page lists the user’s teams', async () => {
    expect((await olive.agent.get('/admin/teams')).status).toBe(403);
    await makeAdmin(t, 'xena@example.com');
    const list = await xena.agent.get('/admin/teams?q=acme');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`<a href="/admin/teams/${teamId}">Acme Sales</a>`);
    expect((await xena.agent.get('/admin/teams?q=zzz')).text).toContain('No team matches.');
    const team = await xena.agent.get(`/admin/teams/${teamId}`);
    expect(team.text).toContain('olive@example.com');
    expect(team.text).toContain('<dd class="team-balance">$0.0000</dd>');
    expect((await xena.agent.get('/admin/teams/999999')).status).toBe(404);
    expect((await xena.agent.get(`/admin/users/${oliveId}`)).text).toMatch(new RegExp(`<a href="/admin/teams/${teamId}">Acme Sales</a> · Owner`));
    expect((await xena.agent.get('/admin')).text).toContain('href="/admin/teams"');
  });

  it('pages the list, 25 a page, keeping the search', async () => {
    for (let i = 0; i < 26; i++) await t.services.teams.create(oliveId, `Paged ${String(i).padStart(2, '0')}`);
    const first = await xena.agent.get('/admin/teams?q=paged');
    expect(first.text).toContain('26 teams.');
    expect(first.text).toContain('Paged 24');
    expect(first.text).not.toContain('Paged 25');
    expect(first.text).toContain('href="/admin/teams?q=paged&amp;page=2"');
    const second = await xena.agent.get('/admin/teams?q=paged&page=2');
    expect(second.text).toContain('Paged 25');
    expect(second.text).not.toContain('Paged 24');
  });
});
