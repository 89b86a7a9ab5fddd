import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir, projectRoot } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';

const shots = join(projectRoot, 'test-results');
const ADMIN = { email: 'root@example.com', password: 'admin password 123' };
const USER = { email: 'grace@example.com', password: 'user password 123' };

describe.skipIf(!hasChromium)('admin console in a real browser', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp(async (t) => {
    await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
    await t.services.money.rates.reload();
    await t.services.accounts.ensureAdmin(ADMIN.email, ADMIN.password);
    await t.services.accounts.signUp({ name: 'Grace', email: USER.email, password: USER.password }, '127.0.0.1');
  });
  const { newPage, cspViolations } = fixture;

  async function logIn(page: Awaited<ReturnType<typeof newPage>>, who: { email: string; password: string }) {
    await page.goto(`${fixture.base}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.base}/`);
  }

  it('imports a CSV (a bad row is refused by line, then fixed), edits a rate inline, and a user sees the new price at once', { timeout: 90_000 }, async () => {
    mkdirSync(shots, { recursive: true });
    const db = fixture.t.testDb.db;
    const admin = await newPage(1024);
    await logIn(admin, ADMIN);
    const exported = await (await admin.request.get(`${fixture.base}/admin/rates/export.csv`)).text();
    const lines = exported.trimEnd().split('\r\n');
    const badLine = lines.length + 1;
    const rowsBefore = (await db('rates').count({ n: '*' }).first<{ n: number }>())!.n;

    await admin.goto(`${fixture.base}/admin/rates/import`);
    await admin.setInputFiles('#deck', { name: 'deck.csv', mimeType: 'text/csv', buffer: Buffer.from(`${exported}GB,United Kingdom,4429999,UK test range,abc,0.01,60,60,0,0,true\r\n`) });
    await admin.getByRole('button', { name: 'Check the file' }).click();
    await admin.locator('.import-errors').waitFor();
    const errors = await admin.textContent('.import-errors');
    expect(errors).toContain(String(badLine));
    expect(errors).toContain('sell_per_min');
    expect(errors).toContain('"abc" is not a price');
    expect(await admin.textContent('#import-result')).toContain('nothing changed');
    await admin.screenshot({ path: join(shots, 'admin-import-error.png'), fullPage: true });
    expect((await db('rates').count({ n: '*' }).first<{ n: number }>())!.n).toBe(rowsBefore);

    await admin.setInputFiles('#deck', { name: 'deck.csv', mimeType: 'text/csv', buffer: Buffer.from(`${exported}GB,United Kingdom,4429999,UK test range,0.30,0.01,60,60,0,0,true\r\n`) });
    await admin.getByRole('button', { name: 'Check the file' }).click();
    await admin.waitForURL(/\/admin\/rates\/import\/[\w-]+$/);
    expect(await admin.textContent('.stats')).toMatch(/Added\s*1\s*Changed\s*0\s*Removed\s*0/);
    await admin.screenshot({ path: join(shots, 'admin-import-preview.png'), fullPage: true });
    await admin.getByRole('button', { name: 'Apply this import' }).click();
    await admin.waitForURL(`${fixture.base}/admin/rates`);
    expect(await admin.textContent('.flash-success')).toContain('1 added, 0 changed, 0 removed');
    expect((await db('rates').count({ n: '*' }).first<{ n: number }>())!.n).toBe(rowsBefore + 1);

    const uk = (await db('rates').where({ prefix: '44' }).first<{ id: number }>())!;
    await admin.getByLabel('Search').fill('44');
    await admin.locator(`#rate-${uk.id}`).waitFor();
    await admin.locator(`#rate-${uk.id}`).getByRole('link', { name: /Edit/ }).click();
    const sell = admin.locator(`#rate-${uk.id}-sell_per_min`);
    await sell.waitFor();
    expect(admin.url()).toContain('/admin/rates');
    expect(admin.url()).not.toContain('/edit');
    await sell.fill('0.4321');
    await admin.locator(`#rate-${uk.id}`).getByRole('button', { name: 'Save' }).click();
    await admin.locator(`#rate-${uk.id}.row-saved`).waitFor();
    expect(await admin.textContent(`#rate-${uk.id}`)).toContain('$0.4321');
    await admin.screenshot({ path: join(shots, 'admin-inline-edit.png'), fullPage: true });

    const user = await newPage();
    await logIn(user, USER);
    await user.goto(`${fixture.base}/rates`);
    await user.getByLabel('Number to call').pressSequentially('+44 20 7946 0958');
    await user.locator('#cost-preview dl').waitFor();
    expect(await user.textContent('#cost-preview')).toContain('$0.4321');
    await user.screenshot({ path: join(shots, 'user-cost-preview-after-edit.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('shows an invalid inline edit in place and keeps the row unchanged', async () => {
    const db = fixture.t.testDb.db;
    const admin = await newPage(1024);
    await logIn(admin, ADMIN);
    const fr = (await db('rates').where({ prefix: '33' }).first<{ id: number; sell_per_min_micros: number }>())!;
    await admin.goto(`${fixture.base}/admin/rates?q=FR`);
    await admin.locator(`#rate-${fr.id}`).getByRole('link', { name: /Edit/ }).click();
    await admin.locator(`#rate-${fr.id}-sell_per_min`).fill('1e3');
    await admin.locator(`#rate-${fr.id}`).getByRole('button', { name: 'Save' }).click();
    await admin.locator(`#rate-${fr.id} .field-error`).first().waitFor();
    expect(await admin.textContent(`#rate-${fr.id}`)).toContain('"1e3" is not a price');
    expect(Number((await db('rates').where({ id: fr.id }).first())!.sell_per_min_micros)).toBe(Number(fr.sell_per_min_micros));
    await admin.screenshot({ path: join(shots, 'admin-inline-edit-error.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('fits a phone screen: rates admin, users and the dashboard', async () => {
    const admin = await newPage(390);
    await logIn(admin, ADMIN);
    for (const path of ['/admin', '/admin/rates', '/admin/users', '/admin/rates/geo', '/admin/audit']) {
      await admin.goto(`${fixture.base}${path}`);
      expect(await admin.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
    }
    await admin.goto(`${fixture.base}/admin`);
    await admin.screenshot({ path: join(shots, 'admin-dashboard-390.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });
});
