import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_WAIT_MS } from '../../src/calls/status-poll.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchPage } from '../helpers/browser.js';
import { CALLER, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

/** A London number on a manual handset: the test answers it and hangs it up. */
const DESTINATION = '+442079460958';

describe.skipIf(!hasChromium)('the live status in a real browser (long polls, the product wait limit)', BROWSER_JOURNEY, () => {
  let stack: CallStack;
  let browser: Browser;
  const csp: string[] = [];
  reportBrowserFailures();

  beforeAll(async () => {
    stack = await startCallStack({ statusWaitMs: STATUS_WAIT_MS });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('a call whose far end hangs up while connected shows its final state within 1.5 s, and every stage in between', async () => {
    const { base, sim } = stack;
    sim.control.setBehaviour(CALLER.phone, { kind: 'answer', answerAfterS: 1, digits: '1' });
    sim.control.setBehaviour(DESTINATION, { kind: 'manual' });
    const page = watchPage(await browser.newPage({ viewport: { width: 390, height: 844 } }), csp);
    await logInAsCaller(page, base);
    await page.getByLabel('Number to call').fill(DESTINATION);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const status = page.locator('#call-status');
    await status.getByText('Connecting').waitFor({ timeout: 10_000 });

    // Each stage is a webhook; each shows within 1.5 s of it.
    const stage = async (button: 'answer' | 'hangup', shows: string) => {
      // The handset rings a moment after our side starts dialling: press as soon as it can be pressed.
      await expect.poll(() => sim.control.press(DESTINATION, button), { timeout: 10_000, interval: 20 }).toBe(true);
      const started = performance.now();
      await status.locator(`[data-call-status="${shows}"]`).waitFor({ timeout: 5_000 });
      return performance.now() - started;
    };
    const answered = await stage('answer', 'connected');
    // Talk for longer than one long poll would have waited before: the page keeps listening through its 204s.
    await page.waitForTimeout(2_000);
    const hungUp = await stage('hangup', 'completed');
    console.log(`live status: connected shown ${Math.round(answered)} ms after the far end answered; final state ${Math.round(hungUp)} ms after it hung up`);
    expect(answered).toBeLessThan(1_500);
    expect(hungUp).toBeLessThan(1_500);
    await expect.poll(() => status.locator('.amount').textContent(), { timeout: 5_000 }).toMatch(/\$\d/);
    expect(await status.locator('[hx-get]').count()).toBe(0);
    expect(csp).toEqual([]);
  });
});
