import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir, projectRoot } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { BROWSER_JOURNEY, hasChromium, signUpAndLogIn, useBrowserApp, watchContext } from '../helpers/browser.js';

const artifacts = join(projectRoot, 'test-results');

describe.skipIf(!hasChromium)('dial page in a real browser', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp((t) => seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv')).then(() => undefined));
  const { newPage, cspViolations } = fixture;

  it('dials with the keyboard on the pad, previews the price, and finds a country by searching, at 390 px', async () => {
    const page = await newPage(390);
    await signUpAndLogIn(page, fixture.base, { name: 'Grace Hopper', email: 'grace@example.com', password: 'a long enough password' });
    const { db } = fixture.t.testDb;
    const user = (await db('users').where({ email: 'grace@example.com' }).first<{ id: number }>())!;
    await db('users').where({ id: user.id }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString() });
    await fixture.t.services.money.wallet.credit(Number(user.id), { kind: 'grant', amountMicros: 5_000_000, description: 'Browser test credit' });
    await page.reload();

    // The pad is shown by public/dial.js; each key is a real button, pressed here from the keyboard.
    const pad = page.getByRole('group', { name: 'Dial pad' });
    await pad.waitFor();
    const press = async (name: string) => {
      await pad.getByRole('button', { name, exact: true }).focus();
      await page.keyboard.press('Enter');
    };
    await press('Plus, before a country code');
    for (const digit of '442079460959') await press(digit);
    await press('Delete the last digit');
    await press('8');
    expect(await page.getByLabel('Number to call').inputValue()).toBe('+442079460958');
    // Focus stays on the pad, so a keyboard user can keep dialling.
    expect(await page.evaluate('document.activeElement?.dataset.key')).toBe('8');
    await expect.poll(() => page.textContent('#dial-preview')).toContain('+44 20 7946 0958');
    const preview = (await page.textContent('#dial-preview'))!;
    expect(preview).toContain('United Kingdom');
    expect(preview).toContain('Leg to your phone');
    expect(preview).toMatch(/Longest call\s*about \d+ min/);

    // The page came with the picked country only; reaching the picker brings every country.
    await page.locator('#dial-country').focus();
    await expect.poll(() => page.locator('#dial-country option').count()).toBeGreaterThan(240);
    expect(await page.locator('#dial-country').inputValue()).toBe('US');

    // Search a country, then type a national number there.
    await press('Clear the number');
    expect(await page.getByLabel('Number to call').inputValue()).toBe('');
    await page.getByLabel('Find a country').pressSequentially('fran');
    await expect.poll(() => page.locator('#dial-country').inputValue()).toBe('FR');
    await page.getByLabel('Find a country').press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('dial-country');
    expect(page.url()).toBe(`${fixture.base}/`);
    await page.getByLabel('Number to call').pressSequentially('06 12 34 56 78');
    await expect.poll(() => page.textContent('#dial-preview')).toContain('France - Mobile');
    expect(await page.textContent('#dial-preview')).toContain('+33 6 12 34 56 78');

    // Changing the country re-prices the national number in the new one.
    await page.getByLabel('Find a country').fill('');
    await page.getByLabel('Find a country').pressSequentially('united kingdom');
    await expect.poll(() => page.locator('#dial-country').inputValue()).toBe('GB');
    await expect.poll(() => page.textContent('#dial-preview')).toContain('Check the number and the country');

    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dial-390.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('keeps the plain form usable without JavaScript: no pad, a full country list', async () => {
    const context = watchContext(await fixture.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 800 } }), fixture.cspViolations);
    const page = await context.newPage();
    await page.goto(`${fixture.base}/login`);
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.base}/`);
    expect(await page.getByRole('group', { name: 'Dial pad' }).isVisible()).toBe(false);
    // The page carries the picked country; Find with nothing typed lists them all, without JavaScript too.
    expect(await page.locator('#dial-country option').count()).toBe(1);
    await page.getByRole('button', { name: 'Find' }).last().click();
    await page.waitForURL(/\?q=/);
    expect(await page.locator('#dial-country option').count()).toBeGreaterThan(240);
    await page.getByLabel('Find a country').fill('japan');
    await page.getByLabel('Find a country').press('Enter');
    await page.waitForURL(/\?q=japan/);
    expect(await page.locator('#dial-country').inputValue()).toBe('JP');
    await page.screenshot({ path: join(artifacts, 'dial-390-no-js.png'), fullPage: true });
    await context.close();
  });
});
