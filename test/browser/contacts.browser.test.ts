import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchPage } from '../helpers/browser.js';
import { CALLER, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

const artifacts = join(projectRoot, 'test-results', 'contacts');
/** Simulator test number: answers after 3 s and stays on the line (src/sim/handsets.ts MAGIC_NUMBERS). */
const ALICE = '+15005550100';

describe.skipIf(!hasChromium)('contacts in a real browser at 390 px: save Alice, find her on the dial page, call her by name', BROWSER_JOURNEY, () => {
  let stack: CallStack;
  let browser: Browser;
  const csp: string[] = [];
  reportBrowserFailures();

  beforeAll(async () => {
    stack = await startCallStack();
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const shoot = async (page: Page, name: string) => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `${name} fits 390 px`).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, `${name}-390.png`), fullPage: true });
  };

  it('creates Alice, searches "ali" on the dial page, presses Call on her (keyboard), places the call, and the history names her', async () => {
    const { base } = stack;
    // The caller's phone answers by itself and presses 1 when asked, so the journey stays on one page.
    stack.sim.control.setBehaviour(CALLER.phone, { kind: 'answer', answerAfterS: 1, digits: '1' });
    const page = watchPage(await browser.newPage({ viewport: { width: 390, height: 844 } }), csp);
    await logInAsCaller(page, base);

    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.waitForURL(`${base}/contacts`);
    expect(await page.locator('main').textContent()).toContain('No contacts yet');
    await shoot(page, 'empty');
    await page.getByRole('link', { name: 'New contact' }).click();
    await page.getByLabel('Name').fill('Alice Liddell');
    await page.getByLabel('Number 1').fill(ALICE);
    await page.getByLabel('Label 1').fill('mobile');
    await page.getByLabel('Company').fill('Wonderland Ltd');
    await shoot(page, 'form');
    await page.getByRole('button', { name: 'Save contact' }).click();
    await page.waitForURL(/\/contacts\/\d+$/);
    expect(await page.locator('h1').textContent()).toContain('Alice Liddell');
    await shoot(page, 'contact');

    await page.goto(`${base}/`);
    const search = page.getByLabel('Call a contact');
    await search.pressSequentially('ali');
    const results = page.locator('#contact-results');
    await results.getByRole('link', { name: 'Alice Liddell', exact: true }).waitFor({ timeout: 15_000 });
    await shoot(page, 'dial-search');
    const call = results.getByRole('link', { name: 'Call Alice Liddell, mobile' });
    await call.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/\?to=%2B15005550100&country=US$/);
    expect(await page.getByLabel('Number to call').inputValue()).toBe(ALICE);
    expect(await page.locator('.dial-calling').textContent()).toContain('Alice Liddell');
    // The price, as the dial page shows it for a typed number.
    const preview = (await page.locator('#dial-preview').textContent())!;
    expect(preview).toContain('+1 500 555 0100');
    expect(preview).toMatch(/Total\s*\$0\.2862\/min/);
    await shoot(page, 'dial-prefilled');

    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const status = page.locator('#call-status');
    await status.locator('[data-call-status="connected"]').waitFor({ timeout: 30_000 });
    await status.getByRole('button', { name: 'Hang up' }).click();
    // The call's end is read from the database: this journey is about the contact's name in the history (the live
    // page's own updates are the call and live-status journeys'). Under CI load this page's fragment was once seen
    // not to update within 30 s after the hang-up; not reproduced alone (see the session note).
    await expect
      .poll(async () => Number((await stack.testDb.db('calls').whereNotNull('ended_at').count({ n: '*' }).first())?.n ?? 0), { timeout: 30_000 })
      .toBe(1);

    await page.goto(`${base}/calls`);
    const newest = page.locator('.history-table tbody tr').first();
    await expect.poll(() => newest.textContent()).toContain('Alice Liddell');
    expect(await newest.getByRole('link', { name: 'Alice Liddell' }).getAttribute('href')).toMatch(/^\/contacts\/\d+$/);
    await shoot(page, 'history');
    expect(csp).toEqual([]);
  });
});
