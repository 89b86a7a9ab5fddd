import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchContext } from '../helpers/browser.js';
import { CALLER, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

/** The link the product is built for: 50 kbps each way, 300 ms latency (Chromium's DevTools network emulation). */
const SLOW_LINK = { offline: false, latency: 300, downloadThroughput: 50_000 / 8, uploadThroughput: 50_000 / 8 };
/** The targets (issue 25); the test fails only well past them, since a shared CI machine adds its own delays. */
const TARGET_MS = { firstVisit: 4_000, repeatVisit: 1_500, click: 1_000 };
const FAIL_PAST = 3;

async function emulateSlowLink(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
}

/** From opening the log-in page to the dial page ready to take a number (its load event: every asset in). */
async function logInToDialPage(page: Page, base: string): Promise<number> {
  const started = performance.now();
  await logInAsCaller(page, base);
  await page.getByLabel('Number to call').waitFor();
  return performance.now() - started;
}

describe.skipIf(!hasChromium)('on a slow link (50 kbps, 300 ms): log-in to dial page, and a click to "Calling your phone"', BROWSER_JOURNEY, () => {
  let stack: CallStack;
  let browser: Browser;
  const csp: string[] = [];
  reportBrowserFailures();

  beforeAll(async () => {
    stack = await startCallStack();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('reports the first and repeat visit and the click, against the targets', { timeout: 120_000 }, async () => {
    const { base, sim } = stack;
    sim.control.setBehaviour(CALLER.phone, { kind: 'manual' });
    const context = watchContext(await browser.newContext({ viewport: { width: 390, height: 844 } }), csp);
    const first = await context.newPage();
    await emulateSlowLink(first);
    const firstVisit = await logInToDialPage(first, base);
    await first.close();

    // The same browser with its cache, logged out: the assets come from the cache, the pages over the link.
    await context.clearCookies();
    const page = await context.newPage();
    await emulateSlowLink(page);
    const repeatVisit = await logInToDialPage(page, base);

    await page.getByLabel('Number to call').fill('+442079460958');
    const clicked = performance.now();
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.locator('#call-status').getByText('Calling your phone').waitFor({ timeout: 15_000 });
    const click = performance.now() - clicked;

    const figures = { firstVisit, repeatVisit, click };
    console.log(
      'slow link (50 kbps each way, 300 ms): ' +
        Object.entries(figures).map(([name, ms]) => `${name} ${Math.round(ms)} ms (target ${TARGET_MS[name as keyof typeof TARGET_MS]} ms)`).join(', '),
    );
    expect(firstVisit).toBeLessThan(TARGET_MS.firstVisit * FAIL_PAST);
    expect(repeatVisit).toBeLessThan(TARGET_MS.repeatVisit * FAIL_PAST);
    expect(click).toBeLessThan(TARGET_MS.click * FAIL_PAST);
    expect(csp).toEqual([]);
    await page.getByRole('button', { name: /hang up|cancel/i }).first().click().catch(() => undefined);
    await context.close();
  });
});
