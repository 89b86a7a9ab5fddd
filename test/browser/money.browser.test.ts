import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { BROWSER_JOURNEY, hasChromium, signUpAndLogIn, useBrowserApp } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('rates and wallet in a real browser', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp((t) => seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv')).then(() => undefined));
  const { newPage, cspViolations } = fixture;

  it('prices a number as it is typed and filters countries as you type (htmx under the CSP)', async () => {
    const page = await newPage();
    await page.goto(`${fixture.base}/rates`);
    await page.getByLabel('Number to call').pressSequentially('+44 20 7946 0958');
    await page.locator('#cost-preview dl').waitFor();
    expect(await page.textContent('#cost-preview')).toContain('United Kingdom');
    expect(page.url()).toBe(`${fixture.base}/rates`);
    await page.getByLabel('Find a country').pressSequentially('jap');
    await expect.poll(() => page.locator('#country-table tbody tr').count()).toBe(1);
    expect(await page.textContent('#country-table')).toContain('Japan');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(cspViolations).toEqual([]);
  });

  it('shows the wallet with its chart and redeems a voucher on a phone-sized screen', async () => {
    const page = await newPage();
    await signUpAndLogIn(page, fixture.base, { name: 'Grace Hopper', email: 'grace@example.com', password: 'a long enough password' });
    expect(await page.textContent('.banner')).toContain('You have no credit for calls. Add credit');
    const batch = await fixture.t.services.money.vouchers.createBatch({ label: 'Browser', valueMicros: 3_000_000, quantity: 1, expiresAt: new Date(Date.now() + 86_400_000) });
    await page.goto(`${fixture.base}/wallet`);
    expect(await page.locator('.spend-chart svg').count()).toBe(0);
    expect(await page.textContent('#spend-heading + p.empty')).toBe('No call charges in the last 30 days.');
    await page.getByLabel('Voucher code').fill(batch.codes[0]!);
    await page.getByRole('button', { name: 'Redeem' }).click();
    // Already on /wallet, so waiting for the URL could return before the POST's redirect: wait for its flash instead.
    await page.locator('.flash-success').waitFor({ timeout: 15_000 });
    expect(await page.textContent('.flash-success')).toContain('$3.0000 added');
    expect(await page.textContent('.wallet-facts')).toContain('$3.0000');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(cspViolations).toEqual([]);
  });
});
