import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from '../../src/paths.js';
import { insertCalls } from '../calls/helpers/call-rows.js';
import { createTestApp, csrfTokenFrom, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
let ada: Awaited<ReturnType<typeof signedUpAgent>>;

beforeAll(async () => {
  t = await createTestApp();
  await t.services.seedRatesIfEmpty(join(dataDir, 'rates.csv'));
  ada = await signedUpAgent(t, { email: 'ada@example.com' });
  await t.testDb.db('users').where({ email: 'ada@example.com' }).update({ phone_e164: '+442079460001', phone_verified_at: new Date().toISOString() });
});
afterAll(async () => {
  await t.close();
});

async function create(fields: Record<string, string | string[]>) {
  return ada.agent.post('/contacts').type('form').send({ _csrf: ada.csrf, ...fields });
}

describe('contacts on the web', () => {
  it('shows an empty state, then lists a new contact with a Call link that opens the dial page prefilled', async () => {
    const empty = await ada.agent.get('/contacts');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('No contacts yet');

    const created = await create({ name: 'Alice Liddell', company: 'Wonderland Ltd', number: ['020 7946 0958', '+33 6 12 34 56 78'], label: ['Work', 'CELL'], notes: 'Tea at four' });
    expect(created.status).toBe(303);
    const page = await ada.agent.get(created.headers.location!);
    expect(page.text).toContain('Alice Liddell');
    expect(page.text).toContain('+44 20 7946 0958');
    expect(page.text).toContain('(mobile)');
    expect(page.text).toContain('href="/?to=%2B442079460958&amp;country=GB"');

    const dial = await ada.agent.get('/?to=%2B442079460958&country=GB');
    expect(dial.status).toBe(200);
    expect(dial.text).toContain('value="+442079460958"');
    expect(dial.text).toContain('Calling <strong>Alice Liddell</strong>');
  });

  it('names the field of a bad contact with 422 and keeps what was typed', async () => {
    const res = await create({ name: '', number: ['12'], label: ['x'] });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a name.');
    expect(res.text).toContain('href="#number-0"');
    expect(res.text).toContain('value="12"');
    const dup = await create({ name: 'Someone else', number: ['+442079460958'], label: [''] });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('+442079460958 is already saved for Alice Liddell.');
    expect(await t.testDb.db('contacts').count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('searches by name, company and digits, as htmx fragments and without JavaScript', async () => {
    await create({ name: 'Bob Builder', company: 'Acme', number: ['+12015550188'], label: ['home'] });
    const byName = await ada.agent.get('/contacts/search?q=ALI').set('HX-Request', 'true');
    expect(byName.text).not.toContain('<html');
    expect(byName.text).toContain('Alice Liddell');
    expect(byName.text).not.toContain('Bob Builder');
    const byCompany = await ada.agent.get('/contacts/search?q=acm').set('HX-Request', 'true');
    expect(byCompany.text).toContain('Bob Builder');
    const byDigits = await ada.agent.get('/contacts/search?for=dial&cq=7946%200958').set('HX-Request', 'true');
    expect(byDigits.text).toContain('Alice Liddell');
    expect(byDigits.text).toContain('Call<span class="visually-hidden"> Alice Liddell');
    const noJs = await ada.agent.get('/contacts/search?for=dial&cq=bob');
    expect(noJs.status).toBe(303);
    expect(noJs.headers.location).toBe('/?cq=bob');
    const dialPage = await ada.agent.get('/?cq=bob');
    expect(dialPage.text).toContain('Bob Builder');
    const listed = await ada.agent.get('/contacts?q=wonder');
    expect(listed.text).toContain('1 contact matches');
  });

  it('edits, favourites (shown on the dial page) and deletes after a confirmation page', async () => {
    const id = (await t.testDb.db('contacts').where({ name: 'Bob Builder' }).first('id')).id;
    const edit = await ada.agent.get(`/contacts/${id}/edit`);
    expect(edit.text).toContain('value="+12015550188"');
    const saved = await ada.agent.post(`/contacts/${id}`).type('form').send({ _csrf: ada.csrf, name: 'Bob the Builder', company: 'Acme', number: ['+12015550188', ''], label: ['home', ''], favourite: '1' });
    expect(saved.status).toBe(303);
    const dial = await ada.agent.get('/');
    expect(dial.text).toContain('Favourites');
    expect(dial.text).toContain('Bob the Builder');
    const confirm = await ada.agent.get(`/contacts/${id}/delete`);
    expect(confirm.text).toContain('Delete Bob the Builder?');
    const deleted = await ada.agent.post(`/contacts/${id}/delete`).type('form').send({ _csrf: ada.csrf });
    expect(deleted.status).toBe(303);
    expect((await ada.agent.get(`/contacts/${id}`)).status).toBe(404);
    expect(await t.testDb.db('contact_numbers').where({ contact_id: id }).count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('pages a long list, 25 a page', async () => {
    for (let i = 0; i < 30; i++) await create({ name: `Person ${String(i).padStart(2, '0')}`, number: [`+1201555${String(1000 + i)}`], label: [''] });
    const first = await ada.agent.get('/contacts');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('href="/contacts?page=2"');
    const second = await ada.agent.get('/contacts?page=2');
    expect(second.text).toContain('Person 29');
  });

  it('shows the contact’s name in the call history, and offers Save as contact for other numbers', async () => {
    const userId = (await t.testDb.db('users').where({ email: 'ada@example.com' }).first('id')).id as number;
    await insertCalls(t.testDb.db, [
      { id: 'cl_history_alice_000001', userId, createdAt: '2026-12-01T10:00:00.000Z', to: '+442079460958' },
      { id: 'cl_history_other_000002', userId, createdAt: '2026-12-01T11:00:00.000Z', to: '+12015550177', country: 'US' },
    ]);
    const history = await ada.agent.get('/calls');
    expect(history.text).toMatch(/<a class="history-contact" href="\/contacts\/\d+">Alice Liddell<\/a>/);
    expect(history.text).toContain('href="/contacts/new?number=%2B12015550177"');
    const callPage = await ada.agent.get('/calls/cl_history_alice_000001');
    expect(callPage.text).toMatch(/<h1>Call to <a href="\/contacts\/\d+">Alice Liddell<\/a>/);
    const form = await ada.agent.get('/contacts/new?number=%2B12015550177');
    expect(form.text).toContain('value="+12015550177"');
  });

  it('needs a CSRF token to change anything', async () => {
    const res = await ada.agent.post('/contacts').type('form').send({ name: 'No token', number: '+12015550111' });
    expect(res.status).toBe(403);
  });

  it('answers 404 for another user’s contact, on every contact route', async () => {
    const mallory = await signedUpAgent(t, { email: 'mallory@example.com' });
    const id = (await t.testDb.db('contacts').where({ name: 'Alice Liddell' }).first('id')).id;
    for (const path of [`/contacts/${id}`, `/contacts/${id}/edit`, `/contacts/${id}/delete`]) expect((await mallory.agent.get(path)).status, path).toBe(404);
    for (const path of [`/contacts/${id}`, `/contacts/${id}/favourite`, `/contacts/${id}/delete`]) {
      const res = await mallory.agent.post(path).type('form').send({ _csrf: mallory.csrf, name: 'Stolen', number: '+12015550100', favourite: '1' });
      expect(res.status, path).toBe(404);
    }
    expect((await t.testDb.db('contacts').where({ id }).first('name')).name).toBe('Alice Liddell');
    const search = await mallory.agent.get('/contacts/search?q=alice').set('HX-Request', 'true');
    expect(search.text).not.toContain('Alice');
    const csv = await mallory.agent.get('/contacts/export.csv');
    expect(csv.text).not.toContain('Alice');
    expect(csrfTokenFrom((await mallory.agent.get('/contacts/new')).text)).toBeTruthy();
  });
});
