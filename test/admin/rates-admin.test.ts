import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { adminAgent, auditCount, htmx, rateRow, seedSampleDeck } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await seedSampleDeck(t);
});
afterEach(async () => {
  await t.close();
});

const ukForm = (over: Record<string, string> = {}) => ({
  iso: 'GB',
  country: 'United Kingdom',
  prefix: '44',
  description: 'United Kingdom',
  sell_per_min: '0.05',
  cost_per_min: '0.01',
  first_increment_s: '60',
  next_increment_s: '60',
  connection_fee: '0',
  minimum_charge: '0',
  enabled: 'true',
  ...over,
});

describe('rates admin', () => {
  it('lists a page of the deck with its total, and searches by country, ISO code, prefix and description', async () => {
    const { agent } = await adminAgent(t);
    const all = await agent.get('/admin/rates');
    expect(all.status).toBe(200);
    expect((all.text.match(/<tr id="rate-/g) ?? []).length).toBe(50);
    expect(all.text).toMatch(/1,39\d rates match/);
    const byName = await agent.get('/admin/rates?q=kingdom');
    expect(byName.text).toContain('United Kingdom - Mobile');
    expect(byName.text).not.toContain('France');
    const byIso = await agent.get('/admin/rates?q=fr');
    expect(byIso.text).toContain('France');
    const byPrefix = await agent.get('/admin/rates?q=%2B44 74');
    expect(byPrefix.text).toMatch(/<td>4474\d*<\/td>/);
    const fragment = await agent.get('/admin/rates?q=japan').set({ ...htmx, 'HX-Target': 'rates-table' });
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('Japan');
    const mobiles = await agent.get('/admin/rates?q=GB&mobile=1');
    expect(mobiles.text).toContain('United Kingdom - Mobile');
    expect(mobiles.text).not.toMatch(/<td data-label="Destination"><span aria-hidden="true">[^<]*<\/span> United Kingdom <span/);
    const none = await agent.get('/admin/rates?q=atlantis');
    expect(none.text).toContain('No rate matches');
  });

  it('filters disabled and below-cost rows, sorts, and pages', async () => {
    const { agent } = await adminAgent(t);
    await t.testDb.db('rates').where({ prefix: '33' }).update({ enabled: false, sell_per_min_micros: 1, cost_per_min_micros: 2 });
    const disabled = await agent.get('/admin/rates?status=disabled');
    expect((disabled.text.match(/<tr id="rate-/g) ?? []).length).toBe(1);
    expect(disabled.text).toContain('France');
    const below = await agent.get('/admin/rates?below_cost=1');
    expect(below.text).toContain('below cost');
    const page2 = await agent.get('/admin/rates?page=2&sort=sell&dir=desc');
    expect(page2.text).toContain('Page 2 of');
    expect(page2.text).toContain('rel="prev"');
  });

  it('edits a row inline: htmx swaps the form in and the saved row back, with exactly one audit row, and the engine sees it at once', async () => {
    const { agent, csrf } = await adminAgent(t);
    const uk = (await rateRow(t, '44'))!;
    const form = await agent.get(`/admin/rates/${uk.id}/edit`).set(htmx);
    expect(form.text).toContain('<tr id="rate-');
    expect(form.text).not.toContain('<html');
    expect(form.text).toContain('name="sell_per_min"');
    const page = await agent.get(`/admin/rates/${uk.id}/edit`);
    expect(page.text).toContain('<html');
    expect(page.text).toContain(`action="/admin/rates/${uk.id}"`);
    const saved = await agent.post(`/admin/rates/${uk.id}`).set(htmx).type('form').send({ _csrf: csrf, ...ukForm({ sell_per_min: '0.2345' }) });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('row-saved');
    expect(saved.text).not.toContain('<html');
    expect(saved.text).toContain('$0.2345');
    expect(Number((await rateRow(t, '44'))!.sell_per_min_micros)).toBe(234_500);
    expect(await auditCount(t)).toBe(1);
    const audit = await t.testDb.db('audit_log').first();
    expect(audit.action).toBe('rate.update');
    expect(audit.summary).toContain('sell_per_min');
    expect(audit.summary).toContain('→ 0.2345');
    expect(t.services.money.rates.lookup('+442079460958')!.sellPerMinMicros).toBe(234_500);
  });

  it('refuses an invalid edit, changing nothing and saying why, field by field (htmx and plain form)', async () => {
    const { agent, csrf } = await adminAgent(t);
    const uk = (await rateRow(t, '44'))!;
    const before = await t.testDb.db('rates').where({ id: uk.id }).first();
    const bad = await agent.post(`/admin/rates/${uk.id}`).set(htmx).type('form').send({ _csrf: csrf, ...ukForm({ sell_per_min: '1e3', prefix: '33', first_increment_s: '0' }) });
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('&quot;1e3&quot; is not a price');
    expect(bad.text).toContain('not start with GB&#39;s calling code +44');
    expect(bad.text).toContain('is not an increment');
    const plain = await agent.post(`/admin/rates/${uk.id}`).type('form').send({ _csrf: csrf, ...ukForm({ sell_per_min: '0.001', cost_per_min: '0.01' }) });
    expect(plain.status).toBe(422);
    expect(plain.text).toContain('is below cost');
    const dupe = await agent.post(`/admin/rates/${uk.id}`).type('form').send({ _csrf: csrf, ...ukForm({ prefix: '4471' }) });
    expect(dupe.status).toBe(422);
    expect(dupe.text).toContain('Prefix 4471 already has a rate');
    const repeated = await agent.post(`/admin/rates/${uk.id}`).type('form').send(`_csrf=${csrf}&sell_per_min=0.1&sell_per_min=0.2&iso=GB&country=UK&prefix=44&cost_per_min=0.01&first_increment_s=60&next_increment_s=60&connection_fee=0&minimum_charge=0`);
    expect(repeated.status).toBe(422);
    expect(repeated.text).toContain('&quot;&quot; is not a price');
    expect(await t.testDb.db('rates').where({ id: uk.id }).first()).toEqual(before);
    expect(await auditCount(t)).toBe(0);
  });

  it('adds a row and deletes one after confirmation, one audit row each', async () => {
    const { agent, csrf } = await adminAgent(t);
    const added = await agent.post('/admin/rates').type('form').send({ _csrf: csrf, ...ukForm({ prefix: '4429999', description: 'UK test range', sell_per_min: '0.3' }) });
    expect(added.status, added.text.match(/field-error[^<]*<\/p>|field-error.*/g)?.join()).toBe(303);
    expect(await auditCount(t)).toBe(1);
    expect(t.services.money.rates.lookup('+442999923456')!.description).toBe('UK test range');
    const row = (await rateRow(t, '4429999'))!;
    const confirm = await agent.get(`/admin/rates/${row.id}/delete`);
    expect(confirm.text).toContain('Delete the rate for 4429999?');
    const gone = await agent.post(`/admin/rates/${row.id}/delete`).set(htmx).type('form').send({ _csrf: csrf });
    expect(gone.status).toBe(200);
    expect(gone.text).toBe('');
    expect(await rateRow(t, '4429999')).toBeUndefined();
    expect(await auditCount(t)).toBe(2);
    expect(t.services.money.rates.lookup('+442999923456')!.prefix).not.toBe('4429999');
    const missing = await agent.post(`/admin/rates/${row.id}/delete`).type('form').send({ _csrf: csrf });
    expect(missing.status).toBe(404);
    expect(await auditCount(t)).toBe(2);
  });

  it('reprices the filtered selection from cost with a preview first, rounded up to the step', async () => {
    const { agent, csrf } = await adminAgent(t);
    const fr = (await rateRow(t, '33'))!;
    const cost = Number(fr.cost_per_min_micros);
    const preview = await agent.get('/admin/rates/markup?q=FR&mode=percent&amount=50&step=0.01');
    expect(preview.status).toBe(200);
    expect(preview.text).toMatch(/would change/);
    expect(preview.text).toContain('→ <strong>');
    expect(Number((await rateRow(t, '33'))!.sell_per_min_micros)).toBe(Number(fr.sell_per_min_micros));
    const bad = await agent.get('/admin/rates/markup?q=FR&mode=percent&amount=0x10&step=0.01');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a percentage');
    const applied = await agent.post('/admin/rates/markup').type('form').send({ _csrf: csrf, q: 'FR', mode: 'percent', amount: '50', step: '0.01' });
    expect(applied.status).toBe(303);
    const expected = Math.ceil(Math.ceil(cost * 1.5) / 10_000) * 10_000;
    expect(Number((await rateRow(t, '33'))!.sell_per_min_micros)).toBe(expected);
    expect(Number((await rateRow(t, '44'))!.sell_per_min_micros)).not.toBe(expected);
    expect(await auditCount(t)).toBe(1);
    expect(t.services.money.rates.lookup('+33123456789')!.sellPerMinMicros).toBe(expected);
  });
});
