import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
let ada: Awaited<ReturnType<typeof signedUpAgent>>;

beforeAll(async () => {
  t = await createTestApp();
  ada = await signedUpAgent(t, { email: 'ada@example.com' });
  await ada.agent.post('/contacts').type('form').send({ _csrf: ada.csrf, name: 'Alice Liddell', number: '+442079460958', label: 'work' });
});
afterAll(async () => {
  await t.close();
});

const VCF = [
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:Alice L.', 'ORG:Wonderland Ltd', 'TEL;type=WORK:+44 20 7946 0958', 'TEL;type=CELL:+44 7911 123456', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:4.0', 'FN:Bob Builder', 'TEL;VALUE=uri;TYPE=cell:tel:+1-201-555-0188', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:3.0', 'FN:Nobody', 'EMAIL:nobody@example.com', 'END:VCARD',
  '',
].join('\r\n');

describe('import and export through the pages', () => {
  it('previews a vCard (added, merged by number, invalid line named) and changes nothing until confirmed, once', async () => {
    const upload = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf).attach('file', Buffer.from(VCF), 'apple.vcf');
    expect(upload.status).toBe(303);
    const preview = await ada.agent.get(upload.headers.location!);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<strong>1 to add</strong>');
    expect(preview.text).toContain('<strong>1 to merge</strong>');
    expect(preview.text).toMatch(/<td data-label="Line" class="num">13<\/td><td data-label="Problem">“Nobody” has no phone number.<\/td>/);
    expect(await t.testDb.db('contacts').count({ n: '*' }).first()).toEqual({ n: 1 });

    const applied = await ada.agent.post(upload.headers.location!).type('form').send({ _csrf: ada.csrf });
    expect(applied.status).toBe(303);
    const contacts = await t.testDb.db('contacts').orderBy('id').select('name', 'company');
    expect(contacts).toEqual([{ name: 'Alice Liddell', company: 'Wonderland Ltd' }, { name: 'Bob Builder', company: '' }]);
    const aliceNumbers = await t.testDb.db('contact_numbers').where({ contact_id: 1 }).orderBy('position').select('e164', 'label');
    expect(aliceNumbers).toEqual([{ e164: '+442079460958', label: 'work' }, { e164: '+447911123456', label: 'mobile' }]);
    const again = await ada.agent.post(upload.headers.location!).type('form').send({ _csrf: ada.csrf });
    expect(again.status).toBe(404);
    expect(await t.testDb.db('contacts').count({ n: '*' }).first()).toEqual({ n: 2 });
  });

  it('forgets an unconfirmed upload after its hour, for every account (the periodic prune)', async () => {
    const bob = await signedUpAgent(t, { email: 'bob-prunes@example.com' });
    const adaUpload = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf).attach('file', Buffer.from(VCF), 'old.vcf');
    t.clock.advance(30 * 60_000);
    const bobUpload = await bob.agent.post('/contacts/import').field('_csrf', bob.csrf).attach('file', Buffer.from(VCF), 'newer.vcf');
    t.clock.advance(31 * 60_000);
    expect(await t.services.contacts.pruneExpiredImports()).toBe(1);
    const left = await t.testDb.db('contact_import_previews').pluck('file_name');
    expect(left).toEqual(['newer.vcf']);
    expect((await ada.agent.get(adaUpload.headers.location!)).status).toBe(404);
    expect((await bob.agent.get(bobUpload.headers.location!)).status).toBe(200);
    t.clock.advance(30 * 60_000);
    expect(await t.services.contacts.pruneExpiredImports()).toBe(1);
    expect(await t.testDb.db('contact_import_previews').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('refuses an upload without a file or with a binary file, naming the problem', async () => {
    const none = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf);
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a contacts file');
    const binary = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf).attach('file', Buffer.from([0, 1, 2, 3]), 'photo.jpg');
    expect(binary.status).toBe(422);
    const noCsrf = await ada.agent.post('/contacts/import').field('_csrf', 'nope').attach('file', Buffer.from(VCF), 'apple.vcf');
    expect(noCsrf.status).toBe(403);
  });

  it('exports CSV and vCard that import back as merges only', async () => {
    const csv = await ada.agent.get('/contacts/export.csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('Name,Organization Name,Notes,Labels,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value');
    const vcf = await ada.agent.get('/contacts/export.vcf?version=4.0');
    expect(vcf.text).toContain('VERSION:4.0');
    for (const [name, body] of [['back.csv', csv.text], ['back.vcf', vcf.text]] as const) {
      const upload = await ada.agent.post('/contacts/import').field('_csrf', ada.csrf).attach('file', Buffer.from(body), name);
      const preview = await ada.agent.get(upload.headers.location!);
      expect(preview.text, name).toContain('<strong>0 to add</strong>, <strong>2 to merge</strong>');
      expect(preview.text, name).toContain('<strong>0 lines with problems</strong>');
    }
  });
});
