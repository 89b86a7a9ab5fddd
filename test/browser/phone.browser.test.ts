import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import type { TestApp } from '../helpers/app.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, listen, reportBrowserFailures, signUpAndLogIn, watchContext } from '../helpers/browser.js';
import { appWithSimulator } from '../phone/helpers.js';

describe.skipIf(!hasChromium)('verifying a phone in a real browser, 390 px wide', BROWSER_JOURNEY, () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  reportBrowserFailures();
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
    t = await appWithSimulator(sim);
    ({ server, url: base } = await listen(t.app));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await t?.close();
    await sim?.close();
  });

  it('signs up, reads the code on the simulator’s handset page, and sees the verified number', async () => {
    const cspViolations: string[] = [];
    const context = watchContext(await browser.newContext({ viewport: { width: 390, height: 844 } }), cspViolations);
    const page = await context.newPage();
    await signUpAndLogIn(page, base, { name: 'Grace Hopper', email: 'grace@example.com', password: 'a long enough password' });

    await page.getByRole('link', { name: 'verify your phone' }).click();
    await page.waitForURL(`${base}/account/phone`);
    expect(await page.locator('#country').inputValue()).toBe('US');
    await page.getByLabel('Phone number').fill('(415) 555-2671');
    await page.getByLabel('Text me').check();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.waitForURL(`${base}/account/phone#enter-code`);
    expect(await page.textContent('#enter-code')).toContain('We texted a code to +14155552671');

    // The phone is the simulator's handset page, in another tab.
    const handset = await context.newPage();
    await handset.goto(`${sim.url}/`);
    const code = (await handset.locator('.handset', { hasText: '+14155552671' }).locator('.handset__code strong').textContent())!.trim();
    expect(code).toMatch(/^\d{6}$/);
    await handset.close();

    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${base}/account/phone`);
    expect(await page.textContent('.flash-success')).toContain('Your phone +14155552671 is verified');
    expect(await page.textContent('#verified-phone')).toContain('+14155552671');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    const dir = join(projectRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'phone-verified-390.png'), fullPage: true });

    await page.goto(`${base}/account`);
    expect(await page.textContent('#sessions')).toContain('This device');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(dir, 'account-sessions-390.png'), fullPage: true });
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
