import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchContext } from '../helpers/browser.js';
import { CALLER, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

/** The link the product is built for: 50 kbps each way, 300 ms latency (Chromium's DevTools network emulation). */
const SLOW_LINK = { offline: false, latency: 300, downloadThroughput: 50_000 / 8, uploadThroughput: 50_000 / 8 };
/** The targets (issue 25); the test fails only well past them, since a shared CI machine adds its own delays. */
const TARGET_MS = { firstVisit: 4_000, repeatVisit: 1_500, click: 1_000 };
const FAIL_PAST = 3;
/** A person typing their email and password: brisk for a phone keyboard (no autofill). */
const KEY_DELAY_MS = 100;

async function emulateSlowLink(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
}

/**
 * What a person waits for on the way in: the log-in page (its load event: the form and its stylesheet in), then, once
 * they have typed and pressed Enter, the dial page ready to take a number (its load event: every asset in). The time
 * spent typing is theirs, not a wait, and is reported apart.
 */
async function logInToDialPage(page: Page, base: string): Promise<{ wait: number; typing: number }> {
  const started = performance.now();
  await page.goto(`${base}/login`);
  const logInPage = performance.now() - started;
  const typingFrom = performance.now();
  await page.getByLabel('Email').pressSequentially(CALLER.email, { delay: KEY_DELAY_MS });
  await page.getByLabel('Password').pressSequentially(CALLER.password, { delay: KEY_DELAY_MS });
  const typing = performance.now() - typingFrom;
  const submitted = performance.now();
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${base}/`, { waitUntil: 'load' });
  await page.getByLabel('Number to call').waitFor();
  return { wait: logInPage + (performance.now() - submitted), typing };
}

/** The same way in with the form filled at once (a password manager): nothing overlaps the typing. */
async function logInFilledAtOnce(page: Page, base: string): Promise<number> {
  const started = performance.now();
  await logInAsCaller(page, base);
  await page.getByLabel('Number to call').waitFor();
  return performance.now() - started;
}

/**
 * From the click on Call to "Calling your phone" on screen, timed in the page (the click event, then the first frame
 * after the text is in #call-status), so the test's own polling adds nothing.
 */
async function clickToCalling(page: Page): Promise<number> {
  // A string: this runs in the page (the project's TypeScript has no DOM types).
  await page.evaluate(`(() => {
    document.addEventListener('click', () => { window.clickedAt ??= performance.now(); }, { capture: true, once: true });
    const status = document.getElementById('call-status');
    new MutationObserver((_records, observer) => {
      if (!status.textContent.includes('Calling your phone')) return;
      observer.disconnect();
      requestAnimationFrame(() => { window.callingShownAt = performance.now(); });
    }).observe(status, { childList: true, subtree: true, characterData: true });
  })()`);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await page.locator('#call-status').getByText('Calling your phone').waitFor({ timeout: 15_000 });
  await page.waitForFunction('window.callingShownAt !== undefined');
  return page.evaluate<number>('window.callingShownAt - window.clickedAt');
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

  const newContext = async (): Promise<BrowserContext> => watchContext(await browser.newContext({ viewport: { width: 390, height: 844 } }), csp);

  it('reports the first and repeat visit and the click, against the targets', { timeout: 120_000 }, async () => {
    const { base, sim } = stack;
    sim.control.setBehaviour(CALLER.phone, { kind: 'manual' });

    // A first visit with the form filled at once: the script the dial page needs cannot arrive during the typing.
    const autofilled = await newContext();
    const filled = await autofilled.newPage();
    await emulateSlowLink(filled);
    const firstVisitFilledAtOnce = await logInFilledAtOnce(filled, base);
    await autofilled.close();

    const context = await newContext();
    const first = await context.newPage();
    await emulateSlowLink(first);
    const { wait: firstVisit, typing } = await logInToDialPage(first, base);
    await first.close();

    // The same browser with its cache, logged out: the assets come from the cache, the pages over the link.
    await context.clearCookies();
    const page = await context.newPage();
    await emulateSlowLink(page);
    const { wait: repeatVisit } = await logInToDialPage(page, base);

    await page.getByLabel('Number to call').fill('+442079460958');
    const polls: Array<Record<string, string>> = [];
    const onRequest = (request: Request) => {
      if (!/\/calls\/[^/]+\/status/.test(request.url())) return;
      page.off('request', onRequest);
      void request.allHeaders().then((headers) => polls.push(headers), () => undefined);
    };
    page.on('request', onRequest);
    const click = await clickToCalling(page);
    // The status poll, asked again every 25 s of a call, carries only the browser's own headers and our cookie: no
    // htmx headers, no Referer, no client hints (bench/calls.bench.ts counts its bytes on that basis).
    await expect.poll(() => polls.length).toBeGreaterThan(0);
    expect(Object.keys(polls[0]!).filter((name) => /^(hx-|referer$|sec-ch-)/i.test(name))).toEqual([]);

    const figures = { firstVisit, repeatVisit, click };
    console.log(
      'slow link (50 kbps each way, 300 ms): ' +
        Object.entries(figures).map(([name, ms]) => `${name} ${Math.round(ms)} ms (target ${TARGET_MS[name as keyof typeof TARGET_MS]} ms)`).join(', ') +
        `; visits exclude ${Math.round(typing)} ms of typing; a first visit with the form filled at once ${Math.round(firstVisitFilledAtOnce)} ms`,
    );
    expect(firstVisit).toBeLessThan(TARGET_MS.firstVisit * FAIL_PAST);
    expect(repeatVisit).toBeLessThan(TARGET_MS.repeatVisit * FAIL_PAST);
    expect(click).toBeLessThan(TARGET_MS.click * FAIL_PAST);
    expect(csp).toEqual([]);
    await page.getByRole('button', { name: /hang up|cancel/i }).first().click().catch(() => undefined);
    await context.close();
  });
});
