import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { insertCalls } from '../calls/helpers/call-rows.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

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
 * signed webhooks, the simulation-only outbox, the jobs dashboard.
 */
const NOT_OWNED = [/^\/admin(\/|$)/, /^\/twilio\//, /^\/outbox\//, /^\/phones/, /^\/stripe\//];

let t: TestApp;
let ada: Awaited<ReturnType<typeof signedUpAgent>>;
let mallory: Awaited<ReturnType<typeof signedUpAgent>>;
let malloryToken: string;
let adaUserId: number;
/** Ada's rows that Mallory's requests must leave exactly as they were. */
const OWNED_TABLES = ['contacts', 'contact_numbers', 'calls', 'api_tokens', 'contact_import_previews'];
/** Ada's objects, by the route prefix that reaches them: a new kind of route needs its entry here. */
const adaIds: Array<[RegExp, string]> = [];
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
  adaIds.push(
    [/^\/contacts\/import\/:token/, previewToken],
    [/^\/contacts\/:id/, contactId],
    [/^\/api\/v1\/contacts\/:id/, contactId],
    [/^\/calls\/:id/, 'cl_ada_0000000000000001'],
    [/^\/api\/v1\/calls\/:id/, 'cl_ada_0000000000000001'],
    [/^\/account\/tokens\/:id/, String(adaToken)],
  );
  adaPages.push(`/contacts/${contactId}`, `/contacts/${contactId}/edit`, `/contacts/import/${previewToken}`, '/calls/cl_ada_0000000000000001', `/account/tokens/${adaToken}/revoke`);
});
afterAll(async () => {
  await t.close();
});

describe('another user’s ids answer 404 on every route that takes one (walked from the route table)', () => {
  it('covers the contact routes, web and API', () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(routes).toEqual(expect.arrayContaining(['GET /contacts/:id', 'POST /contacts/:id/delete', 'GET /contacts/import/:token', 'GET /api/v1/contacts/:id', 'DELETE /api/v1/contacts/:id']));
  });

  it('every user-owned route with an id, as Mallory (session or token), with Ada’s ids: 404 and nothing changes', async () => {
    const routes = routesOf((t.app as unknown as { router: { stack: unknown[] } }).router.stack).filter((r) => r.path.includes('/:') && !NOT_OWNED.some((re) => re.test(r.path)));
    expect(routes.length).toBeGreaterThan(15);
    const snapshot = async () => JSON.stringify(await Promise.all(OWNED_TABLES.map((table) => t.testDb.db(table).where(table === 'contact_import_previews' ? 'owner_user_id' : table === 'calls' || table === 'api_tokens' ? 'user_id' : 'owner_user_id', adaUserId).orderBy(table === 'contact_import_previews' ? 'token' : 'id'))));
    const before = await snapshot();
    const unmapped: string[] = [];
    const wrong: string[] = [];
    for (const route of routes) {
      const entry = adaIds.find(([re]) => re.test(route.path));
      if (!entry) {
        unmapped.push(`${route.method.toUpperCase()} ${route.path}`);
        continue;
      }
      const url = route.path.replace(/:[A-Za-z_]+/, entry[1]);
      const isApi = url.startsWith('/api/');
      const base = isApi ? request(t.app) : mallory.agent;
      let req = base[route.method](url);
      if (isApi) req = req.set('Authorization', `Bearer ${malloryToken}`);
      else req = req.set('X-CSRF-Token', mallory.csrf);
      if (route.method !== 'get') req = isApi ? req.send({}) : req.type('form').send({ _csrf: mallory.csrf, name: 'Stolen', number: '+12015550100', favourite: '1' });
      const res = await req;
      if (res.status !== 404) wrong.push(`${route.method.toUpperCase()} ${url}: ${res.status}`);
    }
    expect(unmapped, 'routes with ids and no fixture: add the kind of object to adaIds').toEqual([]);
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('Ada herself gets her objects (the ids are real)', async () => {
    for (const path of adaPages) expect((await ada.agent.get(path)).status, path).toBe(200);
  });
});
