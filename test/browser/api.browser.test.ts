import { describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, signUpAndLogIn, useBrowserApp } from '../helpers/browser.js';
import { callId, insertCalls } from '../calls/helpers/call-rows.js';

describe.skipIf(!hasChromium)('API tokens and call history in a real browser', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp();
  const { newPage, cspViolations } = fixture;
  const noSideScroll = async (page: Awaited<ReturnType<typeof newPage>>) => {
    const wide = await page.evaluate<string[]>(
      `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391 && !(e.parentElement && e.parentElement.closest('.table-wrap, pre'))).slice(0, 5).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`,
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  };

  it('creates a token with the keyboard at 390 px, shows it once, revokes it after confirming; history and the API guide fit too', async () => {
    const page = await newPage();
    await signUpAndLogIn(page, fixture.base, { name: 'Ada Lovelace', email: 'ada-browser@example.com', password: 'a long enough password' });

    await page.goto(`${fixture.base}/account`);
    expect(await page.textContent('#api-tokens')).toContain('No tokens yet');
    await page.getByLabel('Name', { exact: true }).fill('HubSpot');
    await page.getByLabel('only read (rates, wallet, calls)').check();
    await page.getByLabel('Name', { exact: true }).press('Enter');
    await page.waitForURL(`${fixture.base}/account#api-tokens`);
    const secret = await page.getByLabel('Your token').inputValue();
    expect(secret).toMatch(/^cb_/);
    await noSideScroll(page);
    await page.reload();
    expect(await page.locator('#new-api-token').count()).toBe(0);
    expect(await page.textContent('#api-tokens table')).toContain('Read only');

    await page.getByRole('link', { name: 'Revoke HubSpot' }).click();
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.waitForURL(`${fixture.base}/account#api-tokens`);
    expect(await page.textContent('.flash-success')).toContain('Token revoked');

    const user = await fixture.t.testDb.db('users').where({ email: 'ada-browser@example.com' }).first();
    await insertCalls(fixture.t.testDb.db, Array.from({ length: 30 }, (_, i) => ({ id: callId(i), userId: Number(user.id), createdAt: new Date(Date.now() - i * 60_000).toISOString() })));
    await page.goto(`${fixture.base}/calls`);
    await expect.poll(() => page.textContent('.history-totals')).toContain('30 calls');
    await noSideScroll(page);
    await page.getByLabel('Status').selectOption('completed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=completed/);
    await page.getByRole('link', { name: 'Older calls' }).click();
    expect(await page.locator('.history-table tbody tr').count()).toBe(5);

    await page.goto(`${fixture.base}/api`);
    await noSideScroll(page);
    expect(cspViolations).toEqual([]);
  });
});
