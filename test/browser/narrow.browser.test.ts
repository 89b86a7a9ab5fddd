import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dataDir, projectRoot } from '../../src/paths.js';
import { seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import type { TestApp } from '../helpers/app.js';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';
import { insertCalls } from '../calls/helpers/call-rows.js';

/** Screenshots for a person to look at (test-results/ is ignored by git). */
const screenshots = join(projectRoot, 'test-results', 'narrow');
const USER = { name: 'Ada Lovelace', email: 'ada-narrow@example.com', password: 'a long enough password' };
const CALL_ID = `cl_${'b'.repeat(20)}`;

/** A caller with a verified phone, credit and a few finished calls: every page has something to lay out. */
async function caller(t: TestApp): Promise<void> {
  await seedRatesIfEmpty(t.testDb.db, join(dataDir, 'rates.csv'));
  await t.services.money.rates.reload();
  const outcome = await t.services.accounts.signUp(USER, '127.0.0.1');
  if (outcome.limited || !outcome.created) throw new Error('sign-up failed');
  const userId = outcome.created.id;
  await t.testDb.db('users').where({ id: userId }).update({ phone_e164: '+12015550123', phone_verified_at: new Date().toISOString(), email_confirmed_at: new Date().toISOString() });
  await t.services.money.wallet.credit(userId, { kind: 'voucher', amountMicros: 5_000_000, description: 'Voucher ABCD-EFGH-JK23 (Launch promotion for new customers)' });
  const now = Date.now();
  await insertCalls(t.testDb.db, [
    { id: CALL_ID, userId, createdAt: new Date(now - 60_000).toISOString(), to: '+442079460958', bridgedSeconds: 75, costMicros: 572_400 },
    ...Array.from({ length: 6 }, (_, i) => ({ id: `cl_${'c'.repeat(19)}${'defghi'[i]}`, userId, createdAt: new Date(now - (i + 2) * 3_600_000).toISOString(), to: '+33612345678', country: 'FR', status: i % 2 ? 'destination-unanswered' : 'not-answered', bridgedSeconds: 0, costMicros: 0 })),
  ]);
  await t.testDb.db('calls').where({ id: CALL_ID }).update({ ended_by: 'destination', bridged_at: new Date(now - 50_000).toISOString(), answered_at: new Date(now - 58_000).toISOString() });
}

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(USER.email);
  await page.getByLabel('Password').fill(USER.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

const pageWidth = (page: Page) => page.evaluate<number>('document.scrollingElement.scrollWidth');

describe.skipIf(!hasChromium)('the caller’s pages on a phone (390 × 844) and a desktop (1280 × 800)', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp(caller);
  mkdirSync(screenshots, { recursive: true });

  for (const [width, height] of [[390, 844], [1280, 800]] as const) {
    it(`at ${width} px: dial (Call on screen, one Tab from the number), history as cards, the call page and the wallet, none scrolling sideways`, async () => {
      const page = await fixture.newPage(width);
      await page.setViewportSize({ width, height });
      await logIn(page, fixture.base);

      // Dial: a number typed, its price shown, and Call still on screen without scrolling.
      await page.getByLabel('Number to call').pressSequentially('+44 20 7946 0958');
      await expect.poll(() => page.textContent('#dial-preview'), { timeout: 5000 }).toContain('Longest call');
      const call = page.getByRole('button', { name: 'Call', exact: true });
      const box = (await call.boundingBox())!;
      expect(box.y + box.height, 'Call is above the fold').toBeLessThanOrEqual(height);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      // The pad's keys are out of the Tab order: Call is the next stop after the number.
      await page.getByLabel('Number to call').focus();
      let tabs = 0;
      while (tabs < 5 && !(await page.evaluate<boolean>(`document.activeElement?.classList.contains('call-button') ?? false`))) {
        await page.keyboard.press('Tab');
        tabs++;
      }
      expect(tabs, 'Tabs from the number field to Call').toBeLessThanOrEqual(3);
      await page.screenshot({ path: join(screenshots, `dial-${width}.png`), fullPage: true });

      // History: at phone width each call is a card (no header row), nothing hidden to the right.
      await page.goto(`${fixture.base}/calls`);
      const rows = page.locator('.history-table tbody tr');
      expect(await rows.count()).toBe(7);
      const display = await page.evaluate<string>(`getComputedStyle(document.querySelector('.history-table tbody tr')).display`);
      expect(display).toBe(width === 390 ? 'grid' : 'table-row');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      const costRight = await page.locator('.history-table tbody tr .cost').first().evaluate((el) => el.getBoundingClientRect().right);
      expect(costRight).toBeLessThanOrEqual(width);
      expect(await page.locator('.history-table tbody tr').first().textContent()).toContain('$0.5724');
      await page.screenshot({ path: join(screenshots, `history-${width}.png`), fullPage: true });

      // The call page: the outcome, the cost, the human timeline.
      await page.goto(`${fixture.base}/calls/${CALL_ID}`);
      expect(await page.textContent('.call-status')).toContain('The person you called hung up after 1 min 15 s.');
      expect(await page.textContent('.call-timeline')).toContain('answered: connected');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: join(screenshots, `call-${width}.png`), fullPage: true });

      // The wallet.
      await page.goto(`${fixture.base}/wallet`);
      expect(await page.textContent('.wallet-facts')).toContain('$5.0000');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: join(screenshots, `wallet-${width}.png`), fullPage: true });

      expect(fixture.cspViolations).toEqual([]);
      await page.close();
    });
  }
});
