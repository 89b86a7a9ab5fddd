import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateDeckService } from '../../src/rates/rate-deck-service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { adminAgent, auditCount, htmx, seedSampleDeck } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  await seedSampleDeck(t);
});
afterEach(async () => {
  await t.close();
});

const preview = (number: string) => request(t.app).get(`/rates/preview?number=${encodeURIComponent(number)}`).set(htmx);

describe('geo permissions', () => {
  it('blocks a whole country in one action: refused at once in the rates preview and by checkDestination, one audit row', async () => {
    const { agent, csrf } = await adminAgent(t);
    expect((await preview('+33 1 23 45 67 89')).text).toContain('France');
    const res = await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'FR', enabled: '0' });
    expect(res.status).toBe(303);
    const page = await agent.get('/admin/rates/geo');
    expect(page.text).toMatch(/Blocked calls to FR: \d+ rates? changed/);
    expect((await preview('+33 1 23 45 67 89')).text).toContain('Calls to France are switched off.');
    expect((await preview('+33 6 12 34 56 78')).text).toContain('Calls to France are switched off.');
    expect(t.services.money.rates.checkDestination('+33123456789')).toMatchObject({ ok: false, reason: 'disabled' });
    expect((await preview('+44 20 7946 0958')).text).toContain('United Kingdom');
    expect(await auditCount(t)).toBe(1);
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'FR', enabled: '1' });
    expect((await preview('+33 1 23 45 67 89')).text).not.toContain('switched off');
    expect(await auditCount(t)).toBe(2);
  });

  it('blocks a prefix range, and refuses nonsense targets without changing anything', async () => {
    const { agent, csrf } = await adminAgent(t);
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, prefix: '+44 7', enabled: '0' });
    expect((await preview('+44 7400 123456')).text).toContain('switched off');
    expect((await preview('+44 20 7946 0958')).text).not.toContain('switched off');
    const bad = await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, prefix: '0x10', enabled: '0' });
    expect(bad.status).toBe(303);
    expect((await agent.get('/admin/rates/geo')).text).toContain('Enter a dial prefix');
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'XX', enabled: '0' });
    expect((await agent.get('/admin/rates/geo')).text).toContain('is not a country code');
    expect(await auditCount(t)).toBe(1);
  });

  it('shows premium-rate and shared-cost numbers as blocked, and the preview refuses them', async () => {
    const { agent } = await adminAgent(t);
    const page = await agent.get('/admin/rates/geo');
    expect(page.text).toMatch(/Blocked<\/span> <strong>Premium-rate<\/strong>/);
    expect(page.text).toMatch(/Blocked<\/span> <strong>Shared-cost<\/strong>/);
    expect((await preview('+1 900 555 1234')).text).toContain('Premium-rate numbers cannot be called.');
  });

  it('reaches another running instance through the deck version, with one cheap read', async () => {
    const { agent, csrf } = await adminAgent(t);
    const other = new RateDeckService({ db: t.testDb.db, clock: t.clock });
    await other.ready();
    expect(other.checkDestination('+33123456789').ok).toBe(true);
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'FR', enabled: '0' });
    await other.ready();
    expect(other.checkDestination('+33123456789').ok).toBe(true);
    // A second on, the other instance reads the version (in the background while it is busy) and reloads.
    t.clock.advance(1_001);
    await other.ready();
    await vi.waitFor(() => expect(other.checkDestination('+33123456789')).toMatchObject({ ok: false, reason: 'disabled' }));
  });
});

describe('audit log page', () => {
  it('lists every admin change with who, what and old → new, filtered by action, admin and day', async () => {
    const { agent, csrf } = await adminAgent(t);
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'FR', enabled: '0' });
    await agent.post('/admin/rates/geo').type('form').send({ _csrf: csrf, iso: 'DE', enabled: '0' });
    const all = await agent.get('/admin/audit');
    expect(all.text).toContain('2 changes');
    expect(all.text).toContain('admin@example.com');
    expect(all.text).toMatch(/Disabled country FR: \d+ rates? changed/);
    expect(all.text).toContain('Old → new');
    const byAction = await agent.get('/admin/audit?action=geo.enable');
    expect(byAction.text).toContain('No admin change matches');
    const bySubject = await agent.get('/admin/audit?subject=country%20DE');
    expect(bySubject.text).toContain('1 change.');
    const today = t.clock.now().toISOString().slice(0, 10);
    expect((await agent.get(`/admin/audit?from=${today}&to=${today}&actor=ADMIN@`)).text).toContain('2 changes');
    expect((await agent.get('/admin/audit?from=2000-01-01&to=2000-01-01')).text).toContain('0 changes');
    expect((await agent.get('/admin/audit?from=2026-02-31')).text).toContain('2 changes');
  });
});
