import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dataDir, projectRoot } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import type { TestApp } from '../helpers/app.js';
import { accountOf } from '../helpers/ledger.js';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';

/** Screenshots are kept as artifacts for a person to look at (test-results/ is ignored by git). */
const screenshots = join(projectRoot, 'test-results', 'screenshots');
const WIDTHS = [390, 1280] as const;
const USER = { name: 'Grace Hopper', email: 'grace@example.com', password: 'a long enough password' };

/** A user with credit and a month of calls with long descriptions: the history and chart have something to lay out. */
async function userWithHistory(t: TestApp): Promise<void> {
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  const outcome = await t.services.accounts.signUp(USER, '127.0.0.1');
  if (outcome.limited || !outcome.created) throw new Error('sign-up failed');
  const userId = outcome.created.id;
  const accountId = await accountOf(t.testDb.db, userId);
  let balance = (await t.services.money.wallet.credit(userId, { kind: 'voucher', amountMicros: 25_000_000, description: 'Voucher ABCD-EFGH-JK23 (Launch promotion for new customers)' })).balanceAfterMicros;
  const now = Date.now();
  const rows = Array.from({ length: 12 }, (_, i) => {
    const amount = -(150_000 + i * 83_000);
    balance += amount;
    return {
      user_id: userId,
      account_id: accountId,
      kind: 'call_charge',
      amount_micros: amount,
      balance_after_micros: balance,
      free_seconds: 0,
      description: `Call to +44 20 7946 09${String(i).padStart(2, '0')} (United Kingdom - Mobile), ${61 + i * 17} s, both legs`,
      reference: `CA${'0'.repeat(30)}${String(i).padStart(2, '0')}`,
      created_at: new Date(now - i * 2.3 * 86_400_000).toISOString(),
    };
  });
  await t.testDb.db('ledger_entries').insert(rows);
  await t.testDb.db('wallets').where({ account_id: accountId }).update({ balance_micros: balance });
}

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(USER.email);
  await page.getByLabel('Password').fill(USER.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
}

/** Every card and table wrapper whose content is wider than its box, i.e. that would scroll sideways. */
function overflowingBoxes(page: Page): Promise<string[]> {
  return page.$$eval('.card, .table-wrap, main', (elements) =>
    elements.filter((el) => el.scrollWidth > el.clientWidth).map((el) => `${el.className || el.tagName} (${el.scrollWidth} > ${el.clientWidth})`),
  );
}

describe.skipIf(!hasChromium)('layout on a phone (390 px) and a desktop (1280 px)', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp(userWithHistory);
  mkdirSync(screenshots, { recursive: true });

  for (const width of WIDTHS) {
    it(`wallet at ${width} px: history and chart fit their cards, chart labels readable`, async () => {
      const page = await fixture.newPage(width);
      await logIn(page, fixture.base);
      await page.goto(`${fixture.base}/wallet`);
      expect(await page.locator('.ledger-table tbody tr').count()).toBe(13);
      expect(await page.locator('.spend-chart svg').count()).toBe(1);
      await page.screenshot({ path: join(screenshots, `wallet-${width}.png`), fullPage: true });
      expect(await overflowingBoxes(page)).toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      const labelSizes = await page.evaluate<number[]>(`[...document.querySelectorAll('.spend-chart .chart-label, .spend-chart text')].map((el) => parseFloat(getComputedStyle(el).fontSize))`);
      expect(labelSizes.length).toBeGreaterThanOrEqual(4);
      for (const size of labelSizes) expect(size).toBeGreaterThanOrEqual(12);
      expect(fixture.cspViolations).toEqual([]);
      await page.close();
    });

    it(`rates at ${width} px: the whole country table fits its card`, async () => {
      const page = await fixture.newPage(width);
      await page.goto(`${fixture.base}/rates`);
      expect(await page.locator('.country-table tbody tr').count()).toBeGreaterThan(200);
      await page.screenshot({ path: join(screenshots, `rates-${width}.png`), fullPage: false });
      expect(await overflowingBoxes(page)).toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      // Every row's content stays inside the table: no cell pushed past the card's edge.
      const widest = await page.$$eval('.country-table tr', (rows) => Math.max(...rows.map((r) => r.getBoundingClientRect().right)));
      const cardRight = await page.$eval('#country-table', (el) => el.getBoundingClientRect().right);
      expect(widest).toBeLessThanOrEqual(cardRight + 0.5);
      await page.getByLabel('Find a country').pressSequentially('reunion');
      await expect.poll(() => page.locator('.country-table tbody tr').count()).toBe(1);
      expect(await page.textContent('.country-table tbody')).toContain('Réunion');
      expect(fixture.cspViolations).toEqual([]);
      await page.close();
    });

    it(`a bad log-in at ${width} px puts focus on the error summary, which links to the field`, async () => {
      const page = await fixture.newPage(width);
      await page.goto(`${fixture.base}/login`);
      await page.getByLabel('Email').fill(USER.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('.error-summary').waitFor();
      await expect.poll(() => page.evaluate('document.activeElement?.className')).toBe('error-summary');
      expect(await page.textContent('.error-summary')).toContain('Email or password is incorrect.');
      expect(await page.getAttribute('.error-summary a', 'href')).toBe('#email');
      await page.screenshot({ path: join(screenshots, `login-error-${width}.png`) });
      await page.locator('.error-summary a').click();
      expect(page.url()).toMatch(/#email$/);
      expect(fixture.cspViolations).toEqual([]);
      await page.close();
    });
  }
});
