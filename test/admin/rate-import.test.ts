import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfTokenFrom, createTestApp, type TestApp } from '../helpers/app.js';
import { adminAgent, auditCount, htmx, rateRow, seedSampleDeck } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await seedSampleDeck(t);
});
afterEach(async () => {
  await t.close();
});

const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';

function deck(lines: string[]): Buffer {
  return Buffer.from([HEADER, ...lines].join('\n') + '\n');
}

describe('rate import from the admin console', () => {
  it('lists every invalid cell with line and column and applies nothing', async () => {
    const { agent, csrf } = await adminAgent(t);
    const before = await t.testDb.db('rates').count({ n: '*' }).first();
    const res = await agent
      .post('/admin/rates/import')
      .field('_csrf', csrf)
      .attach('deck', deck(['GB,United Kingdom,44,UK,0.05,0.01,60,60,0,0,true', 'FR,France,33,France,abc,0.01,60,60,0,0,true', 'DE,Germany,49,Germany,0.05,0.01,60,60,0,0,maybe']), 'deck.csv');
    expect(res.status).toBe(422);
    expect(res.text).toContain('deck.csv was not imported: nothing changed');
    expect(res.text).toMatch(/<td data-label="Line" class="num">3<\/td><td data-label="Column">sell_per_min<\/td><td data-label="Problem">&quot;abc&quot; is not a price/);
    expect(res.text).toMatch(/<td data-label="Line" class="num">4<\/td><td data-label="Column">enabled<\/td>/);
    expect(await t.testDb.db('rates').count({ n: '*' }).first()).toEqual(before);
    expect(await t.testDb.db('rate_import_previews').count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await auditCount(t)).toBe(0);
  });

  it('previews added, changed (old → new) and removed rows, applies once on confirm, and a second confirm does nothing', async () => {
    const { agent, csrf } = await adminAgent(t);
    const upload = await agent
      .post('/admin/rates/import')
      .set(htmx)
      .field('_csrf', csrf)
      .attach('deck', deck(['GB,United Kingdom,44,United Kingdom,0.2222,0.133,60,60,0.00,0.00,true', 'GB,United Kingdom,4429999,UK test,0.3,0.1,60,60,0,0,true']), 'small.csv');
    expect(upload.status).toBe(200);
    const location = upload.headers['hx-redirect'] as string;
    expect(location).toMatch(/^\/admin\/rates\/import\/[\w-]+$/);
    expect(Number((await rateRow(t, '44'))!.sell_per_min_micros)).toBe(180_900);
    const preview = await agent.get(location);
    expect(preview.text).toMatch(/Added<\/dt><dd>1</);
    expect(preview.text).toMatch(/Changed<\/dt><dd>1</);
    expect(preview.text).toMatch(/Removed<\/dt><dd>1,38\d</);
    expect(preview.text).toContain('$0.1809/min → <strong>$0.2222/min</strong>');
    const token = csrfTokenFrom(preview.text);
    const [first, second] = [await agent.post(location).type('form').send({ _csrf: token }), await agent.post(location).type('form').send({ _csrf: token })];
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(await t.testDb.db('rates').count({ n: '*' }).first()).toEqual({ n: 2 });
    expect(await auditCount(t)).toBe(1);
    expect(t.services.money.rates.lookup('+442079460958')!.sellPerMinMicros).toBe(222_200);
    const page = await agent.get('/admin/rates');
    expect(page.text).toContain('already applied');
    const gone = await agent.get(location);
    expect(gone.status).toBe(303);
  });

  it('imports Twilio price lists with a markup, and refuses a bad markup or no file', async () => {
    const { agent, csrf } = await adminAgent(t);
    const twilio = Buffer.from('ISO,Country,Description,Price / min,Origination Prefixes,Destination Prefixes\nGB,United Kingdom,Programmable Outbound Minute - United Kingdom,0.0100,,"44"\n');
    const bad = await agent.post('/admin/rates/import').field('_csrf', csrf).field('markup', '1e3').attach('deck', twilio, 'twilio.csv');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a markup percentage');
    const none = await agent.post('/admin/rates/import').field('_csrf', csrf).field('markup', '10');
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a rate file');
    const ok = await agent.post('/admin/rates/import').field('_csrf', csrf).field('markup', '50').attach('deck', twilio, 'twilio.csv');
    expect(ok.status).toBe(303);
    const preview = await agent.get(ok.headers.location!);
    expect(preview.text).toContain('Twilio, 50% markup');
    expect(preview.text).toContain('→ <strong>$0.0150/min</strong>');
  });

  it('refuses an upload without the CSRF token, and files over the size limit', async () => {
    const { agent } = await adminAgent(t);
    const forged = await agent.post('/admin/rates/import').field('_csrf', 'nope').attach('deck', deck(['GB,United Kingdom,44,UK,0.05,0.01,60,60,0,0,true']), 'deck.csv');
    expect(forged.status).toBe(403);
    const { agent: admin, csrf } = await adminAgent(t, 'second@example.com');
    const huge = Buffer.alloc(21_000_000, 'a');
    const tooBig = await admin.post('/admin/rates/import').field('_csrf', csrf).attach('deck', huge, 'huge.csv');
    expect(tooBig.status).toBe(413);
  });

  it('exports the deck, or the filtered part, in the import format, formulas defused', async () => {
    const { agent } = await adminAgent(t);
    await t.testDb.db('rates').where({ prefix: '33' }).update({ description: '=HYPERLINK("x")' });
    const all = await agent.get('/admin/rates/export.csv');
    expect(all.headers['content-type']).toContain('text/csv');
    const lines = all.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines.length).toBe(1 + (await t.testDb.db('rates').count({ n: '*' }).first<{ n: number }>())!.n);
    expect(all.text).toContain(`FR,France,33,"'=HYPERLINK(""x"")"`);
    const fr = await agent.get('/admin/rates/export.csv?q=FR');
    expect(fr.headers['content-disposition']).toContain('rates-filtered.csv');
    const frLines = fr.text.trimEnd().split('\r\n').slice(1);
    expect(frLines.length).toBeGreaterThan(0);
    expect(frLines.length).toBeLessThan(lines.length - 1);
    expect(frLines.every((l) => l.toLowerCase().includes('fr'))).toBe(true);
  });

  it('reads back its own export with nothing to change', async () => {
    const { agent, csrf } = await adminAgent(t);
    const exported = await agent.get('/admin/rates/export.csv');
    const upload = await agent.post('/admin/rates/import').field('_csrf', csrf).attach('deck', Buffer.from(exported.text), 'rates.csv');
    expect(upload.status).toBe(303);
    const preview = await agent.get(upload.headers.location!);
    expect(preview.text).toMatch(/Added<\/dt><dd>0</);
    expect(preview.text).toMatch(/Changed<\/dt><dd>0</);
    expect(preview.text).toMatch(/Removed<\/dt><dd>0</);
  });
});
