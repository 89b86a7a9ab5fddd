import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenViaPage } from '../api/helpers/tokens.js';
import { OpenApiValidator } from '../api/helpers/openapi-validator.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
let ada: string;
let adaRead: string;
let mallory: string;
const openapi = new OpenApiValidator();

beforeAll(async () => {
  t = await createTestApp();
  const a = await signedUpAgent(t, { email: 'ada@example.com' });
  ada = (await createTokenViaPage(a.agent)).secret;
  adaRead = (await createTokenViaPage(a.agent, { name: 'Reader', scope: 'read' })).secret;
  const m = await signedUpAgent(t, { email: 'mallory@example.com' });
  mallory = (await createTokenViaPage(m.agent)).secret;
});
afterAll(async () => {
  await t.close();
});

const api = (token: string) => ({
  get: (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, body: unknown) => request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body as object),
  delete: (path: string) => request(t.app).delete(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
});

describe('contacts through the JSON API', () => {
  let aliceId: number;

  it('creates, gets, lists and searches, each answer as documented', async () => {
    const created = await api(ada).post('/contacts', { name: 'Alice Liddell', company: 'Wonderland', numbers: [{ number: '+44 20 7946 0958', label: 'mobile' }] });
    openapi.assertValid('post', '/contacts', created);
    expect(created.status).toBe(201);
    expect(created.body.numbers).toEqual([{ label: 'mobile', e164: '+442079460958' }]);
    aliceId = created.body.id;
    expect(created.headers.location).toMatch(new RegExp(`/api/v1/contacts/${aliceId}$`));
    await api(ada).post('/contacts', { name: 'Bob', numbers: [{ number: '+12015550188' }] });

    const got = await api(ada).get(`/contacts/${aliceId}`);
    openapi.assertValid('get', '/contacts/{id}', got);
    expect(got.body.name).toBe('Alice Liddell');

    const list = await api(adaRead).get('/contacts?limit=1');
    openapi.assertValid('get', '/contacts', list);
    expect(list.body.data.map((c: { name: string }) => c.name)).toEqual(['Alice Liddell']);
    const next = await api(ada).get(`/contacts?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.data.map((c: { name: string }) => c.name)).toEqual(['Bob']);
    expect(next.body.nextCursor).toBeNull();
    const search = await api(ada).get('/contacts?q=7946');
    expect(search.body.data.map((c: { name: string }) => c.name)).toEqual(['Alice Liddell']);
  });

  it('names the bad field, refuses a taken number with 409 and a read-only token with 403', async () => {
    const noName = await api(ada).post('/contacts', { numbers: [{ number: '+12015550100' }] });
    openapi.assertValid('post', '/contacts', noName);
    expect(noName.status).toBe(400);
    expect(noName.body.error.message).toMatch(/^name: /);
    const badNumber = await api(ada).post('/contacts', { name: 'X', numbers: [{ number: '+12015550100' }, { number: '12' }] });
    expect(badNumber.body.error.message).toMatch(/^numbers\[1\]\.number: /);
    const unknown = await api(ada).post('/contacts', { name: 'X', numbers: [{ number: '+12015550100' }], phone: '1' });
    expect(unknown.body.error.message).toContain('"phone"');
    const taken = await api(ada).post('/contacts', { name: 'Copy', numbers: [{ number: '+442079460958' }] });
    openapi.assertValid('post', '/contacts', taken);
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('contact_number_taken');
    const readOnly = await api(adaRead).post('/contacts', { name: 'X', numbers: [{ number: '+12015550100' }] });
    expect(readOnly.status).toBe(403);
    expect(await t.testDb.db('contacts').count({ n: '*' }).first()).toEqual({ n: 2 });
  });

  it('answers 404 to another user’s token for get and delete, and its list does not show them', async () => {
    const got = await api(mallory).get(`/contacts/${aliceId}`);
    openapi.assertValid('get', '/contacts/{id}', got);
    expect(got.status).toBe(404);
    const deleted = await api(mallory).delete(`/contacts/${aliceId}`);
    openapi.assertValid('delete', '/contacts/{id}', deleted);
    expect(deleted.status).toBe(404);
    expect((await api(mallory).get('/contacts')).body.data).toEqual([]);
    expect((await api(ada).get(`/contacts/${aliceId}`)).status).toBe(200);
  });

  it('deletes with 204, then the id is gone', async () => {
    const deleted = await api(ada).delete(`/contacts/${aliceId}`);
    openapi.assertValid('delete', '/contacts/{id}', deleted);
    expect(deleted.status).toBe(204);
    expect((await api(ada).get(`/contacts/${aliceId}`)).status).toBe(404);
  });
});
