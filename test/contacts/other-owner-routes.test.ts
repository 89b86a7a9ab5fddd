import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { insertCalls } from '../calls/helpers/call-rows.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';
import { invitationLink } from '../teams/helpers.js';

interface RouteEntry {
  method: 'get' | 'post' | 'delete';
  path: string;
}

/** Every route in the app's table, read from Express's own router stack (mounted routers included). */
function routesOf(stack: unknown[], prefix = ''): RouteEntry[] {
  const found: RouteEntry[] = [];
  for (const layer of stack as Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] }; rawPath?: string }>) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) if (method === 'get' || method === 'post' || method === 'delete') found.push({ method, path: prefix + layer.route.path });
    } else if (layer.handle?.stack && typeof layer.rawPath === 'string') {
      found.push(...routesOf(layer.handle.stack, prefix + layer.rawPath));
    }
  }
  return found;
}

/**
 * Routes with ids that are not one user's own objects: admin pages (403 for users, test/admin), Twilio's and Stripe's
 * signed webhooks, the simulation-only outbox, the jobs dashboard, and a team invitation's link (the token itself is
 * the capability, meant for whoever holds the email; accepting checks the address: test/teams/teams-web.test.ts).
 */
const NOT_OWNED = [/^\/admin(\/|$)/, /^\/twilio\//, /^\/outbox\//, /^\/phones/, /^\/stripe\//, /^\/teams\/invitations\/:token$/];

let t: TestApp;
let ada: Awaited<ReturnType<typeof signedUpAgent>>;
let mallory: Awaited<ReturnType<typeof signedUpAgent>>;
let malloryToken: string;
let adaUserId: number;
/** Ada's rows that Mallory's requests must leave exactly as they were. */
const OWNED_TABLES = ['contacts', 'contact_numbers', 'calls', 'api_tokens', 'contact_import_previews'];
/** Ada's objects, by the route prefix that reaches them: a new kind of route needs its entry here. */
const adaIds: Array<[RegExp, string]> = [];
/**
 * Further parameters of a route (after its first, which adaIds gives): a member of Ada's team, one of its
 * invitations. Filled in with Ada's ids too, so every id in the URL is one of Ada's.
 */
const adaParams: Record<string, string> = {};
let adaTeamId: number;
/** Pages of those objects Ada herself can open (so the ids above are real ones). */
const adaPages: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  ada = await signedUpAgent(t, { email: 'ada@example.com' });
  mallory = await signedUpAgent(t, { email: 'mallory@example.com' });
  malloryToken = (await createTokenViaPage(mallory.agent)).secret;
  const adaUser = (await t.testDb.db('users').where({ email: 'ada@example.com' }).first('id')).id as number;
  adaUserId = adaUser;
  await createTokenViaPage(ada.agent, { name: 'Ada CRM' });
  const adaToken = (await t.testDb.db('api_tokens').where({ user_id: adaUser }).first('id')).id as number;
  await insertCalls(t.testDb.db, [{ id: 'cl_ada_0000000000000001', userId: adaUser, createdAt: new Date().toISOString() }]);
  const created = await ada.agent.post('/contacts').type('form').send({ _csrf: ada.csrf, name: 'Alice', number: '+442079460958' });
  const contactId = created.headers.location!.split('/').pop()!;
  const upload = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf).attach('file', Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nTEL:+12015550188\r\nEND:VCARD\r\n'), 'bob.vcf');
  const previewToken = upload.headers.location!.split('/').pop()!;
  // Ada's team, with Bob as a member and an invitation waiting for Carol.
  const team = await ada.agent.post('/teams').type('form').send({ _csrf: ada.csrf, name: 'Ada Labs' });
  adaTeamId = Number(team.headers.location!.split('/').pop());
  const bob = await signedUpAgent(t, { email: 'bob@example.com' });
  await ada.agent.post(`/teams/${adaTeamId}/invitations`).type('form').send({ _csrf: ada.csrf, email: 'bob@example.com', role: 'member' });
  const bobLink = new URL(await invitationLink(t, 'bob@example.com'));
  await bob.agent.post(bobLink.pathname).type('form').send({ _csrf: bob.csrf });
  await ada.agent.post(`/teams/${adaTeamId}/invitations`).type('form').send({ _csrf: ada.csrf, email: 'carol@example.com', role: 'admin' });
  const bobId = (await t.testDb.db('users').where({ email: 'bob@example.com' }).first('id')).id as number;
  const carolInvitation = (await t.testDb.db('team_invitations').where({ account_id: adaTeamId, email: 'carol@example.com' }).first('id')).id as number;
  adaParams.userId = String(bobId);
  adaParams.invitationId = String(carolInvitation);
  // Ada's call is paid by her team and recorded (a stored recording): the recording routes must not reach it either.
  await t.testDb.db('calls').where({ id: 'cl_ada_0000000000000001' }).update({ account_id: adaTeamId });
  const stamp = new Date().toISOString();
  await t.testDb.db('recordings').insert({ call_id: 'cl_ada_0000000000000001', user_id: adaUser, twilio_sid: `RE${'a'.repeat(32)}`, status: 'stored', duration_s: 3, channels: 2, bytes: 44, path: `u${adaUser}/cl_ada_0000000000000001.wav`, media_ready_at: stamp, stored_at: stamp, created_at: stamp, updated_at: stamp });
  // Mallory owns a team of her own: her role there must not reach Ada's.
  await mallory.agent.post('/teams').type('form').send({ _csrf: mallory.csrf, name: 'Mallory Corp' });
  adaIds.push(
    [/^\/teams\/:id/, String(adaTeamId)],
    [/^\/contacts\/import\/:token/, previewToken],
    [/^\/contacts\/:id/, contactId],
    [/^\/api\/v1\/contacts\/:id/, contactId],
    [/^\/calls\/:id/, 'cl_ada_0000000000000001'],
    [/^\/api\/v1\/calls\/:id/, 'cl_ada_0000000000000001'],
    [/^\/account\/tokens\/:id/, String(adaToken)],
  );
  adaPages.push(`/teams/${adaTeamId}`, `/teams/${adaTeamId}/members/${bobId}`, `/teams/${adaTeamId}/members/${bobId}/remove`, `/teams/${adaTeamId}/members/${bobId}/transfer`, `/contacts/${contactId}`, `/contacts/${contactId}/edit`, `/contacts/import/${previewToken}`, '/calls/cl_ada_0000000000000001', `/account/tokens/${adaToken}/revoke`, `/teams/${adaTeamId}/recordings`, '/calls/cl_ada_0000000000000001/recording/panel', '/calls/cl_ada_0000000000000001/recording/delete');
});
afterAll(async () => {
  await t.close();
});

describe('another user’s ids answer 404 on every route that takes one (walked from the route table)', () => {
  it('covers the contact routes, web and API', () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(routes).toEqual(expect.arrayContaining(['GET /teams/:id', 'POST /teams/:id/members/:userId/remove', 'POST /teams/:id/invitations/:invitationId/revoke', 'GET /contacts/:id', 'POST /contacts/:id/delete', 'GET /contacts/import/:token', 'GET /api/v1/contacts/:id', 'DELETE /api/v1/contacts/:id', 'POST /teams/:id/recording', 'GET /teams/:id/recordings', 'GET /calls/:id/recording', 'GET /calls/:id/recording/panel', 'POST /calls/:id/recording/delete', 'GET /api/v1/calls/:id/recording/media']));
  });

  it('every user-owned route with an id, as Mallory (session or token), with Ada’s ids: 404 and nothing changes', async () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack).filter((r) => r.path.includes('/:') && !NOT_OWNED.some((re) => re.test(r.path)));
    expect(routes.length).toBeGreaterThan(15);
    const snapshot = async () => JSON.stringify(await Promise.all(OWNED_TABLES.map((table) => t.testDb.db(table).where(table === 'contact_import_previews' ? 'owner_user_id' : table === 'calls' || table === 'api_tokens' ? 'user_id' : 'owner_user_id', adaUserId).orderBy(table === 'contact_import_previews' ? 'token' : 'id'))));
    const teamSnapshot = async () => JSON.stringify(await Promise.all([
      t.testDb.db('accounts').where({ id: adaTeamId }),
      t.testDb.db('account_members').where({ account_id: adaTeamId }).orderBy('user_id'),
      t.testDb.db('team_invitations').where({ account_id: adaTeamId }).orderBy('id'),
      t.testDb.db('recordings').where({ call_id: 'cl_ada_0000000000000001' }),
    ]));
    const before = await snapshot();
    const teamBefore = await teamSnapshot();
    const unmapped: string[] = [];
    const wrong: string[] = [];
    for (const route of routes) {
      const entry = adaIds.find(([re]) => re.test(route.path));
      if (!entry) {
        unmapped.push(`${route.method.toUpperCase()} ${route.path}`);
        continue;
      }
      const url = route.path.replace(/:[A-Za-z_]+/, entry[1]).replace(/:([A-Za-z_]+)/g, (_, name: string) => adaParams[name] ?? `:${name}`);
      const isApi = url.startsWith('/api/');
      const base = isApi ? request(t.app) : mallory.agent;
      let req = base[route.method](url);
      if (isApi) req = req.set('Authorization', `Bearer ${malloryToken}`);
      else req = req.set('X-CSRF-Token', mallory.csrf);
      if (route.method !== 'get') req = isApi ? req.send({}) : req.type('form').send({ _csrf: mallory.csrf, name: 'Stolen', number: '+12015550100', favourite: '1', email: 'mallory2@example.com', role: 'admin', spend_per_day: '1', recordingPolicy: 'off' });
      const res = await req;
      if (res.status !== 404) wrong.push(`${route.method.toUpperCase()} ${url}: ${res.status}`);
    }
    expect(unmapped, 'routes with ids and no fixture: add the kind of object to adaIds').toEqual([]);
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(await teamSnapshot()).toBe(teamBefore);
  });

  it('Ada herself gets her objects (the ids are real)', async () => {
    for (const path of adaPages) expect((await ada.agent.get(path)).status, path).toBe(200);
  });

  it('a member of another team, paying from it, gets 404 for this team’s contact, call and ledger, by web and API', async () => {
    const db = t.testDb.db;
    // Ada adds a contact to her team's book (paying from the team), and Bob makes a call the team pays for.
    expect((await ada.agent.post('/dial/pay-from').type('form').send({ _csrf: ada.csrf, account: String(adaTeamId) })).status).toBe(303);
    const created = await ada.agent.post('/contacts').type('form').send({ _csrf: ada.csrf, name: 'Team Alice', number: '+442079460999' });
    const teamContact = created.headers.location!.split('/').pop()!;
    expect((await db('contacts').where({ id: teamContact }).first('owner_account_id')).owner_account_id).toBe(adaTeamId);
    await insertCalls(db, [{ id: 'cl_team_000000000000001', userId: Number(adaParams.userId), createdAt: new Date().toISOString(), to: '+442079460999' }]);
    await db('calls').where({ id: 'cl_team_000000000000001' }).update({ account_id: adaTeamId });
    expect((await ada.agent.get(`/contacts/${teamContact}`)).status).toBe(200);
    expect((await ada.agent.get(`/teams/${adaTeamId}/ledger`)).status).toBe(200);
    expect((await ada.agent.get(`/teams/${adaTeamId}`)).text).toContain('Team Alice');
    // Mallory pays from her own team: its role and book reach nothing of Ada's team.
    const malloryTeam = (await db('accounts').where({ kind: 'team', name: 'Mallory Corp' }).first('id')).id as number;
    expect((await mallory.agent.post('/dial/pay-from').type('form').send({ _csrf: mallory.csrf, account: String(malloryTeam) })).status).toBe(303);
    expect((await mallory.agent.post('/dial/pay-from').type('form').send({ _csrf: mallory.csrf, account: String(adaTeamId) })).status).toBe(404);
    for (const path of [`/contacts/${teamContact}`, `/contacts/${teamContact}/edit`, '/calls/cl_team_000000000000001', `/teams/${adaTeamId}/ledger`, `/teams/${adaTeamId}`]) {
      expect((await mallory.agent.get(path)).status, path).toBe(404);
    }
    expect((await mallory.agent.post(`/contacts/${teamContact}/delete`).type('form').send({ _csrf: mallory.csrf })).status).toBe(404);
    const api = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${malloryToken}`);
    expect((await api(`/api/v1/contacts/${teamContact}`)).status).toBe(404);
    expect((await api('/api/v1/calls/cl_team_000000000000001')).status).toBe(404);
    expect(JSON.stringify((await api('/api/v1/contacts?q=alice')).body)).not.toContain('Team Alice');
    expect((await mallory.agent.get('/contacts?q=alice')).text).not.toContain('Team Alice');
    expect(await db('contacts').where({ id: teamContact }).first('name')).toEqual({ name: 'Team Alice' });
  });
});
