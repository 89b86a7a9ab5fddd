import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { hasChromium, launchBrowser } from '../helpers/browser.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { DESTINATION, startCallHarness, USER_PHONE, type CallHarness } from '../calls/helpers/call-harness.js';

const artifacts = join(projectRoot, 'test-results', 'call');

describe.skipIf(!hasChromium)('a call in a real browser', () => {
  let h: CallHarness;
  let browser: Browser;
  beforeAll(async () => {
    // Real time (speed 1) after the answer: the connected clock must tick between the 30 s polls.
    h = await startCallHarness({ speed: 1, confirmAnswer: true });
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    if (h) {
      await expectLedgerConsistent(h.testDb.db);
      await h.close();
    }
  });

  it('calls, presses 1 on the handset, shows "Connected" with a ticking clock, hangs up and shows the charge (390 px)', { timeout: 60_000 }, async () => {
    h.sim.control.setBehaviour(USER_PHONE, { kind: 'answer', answerAfterS: 1, digits: '1' });
    h.sim.control.setBehaviour(DESTINATION, { kind: 'answer', answerAfterS: 1 });
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    const cspViolations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    await page.goto(`${h.baseUrl}/login`);
    await page.getByLabel('Email').fill(h.email);
    await page.getByLabel('Password').fill(h.password);
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${h.baseUrl}/`);
    // A refusal is shown inline, in the dial page's status area (a 422 fragment that htmx swaps in).
    await page.getByLabel('Number to call').fill('12');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => page.textContent('#call-status')).toContain('This number is incomplete');
    // The dial page's form posts `to` to POST /calls; the status fragment takes over the status area.
    await page.getByLabel('Number to call').fill(DESTINATION);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.locator('#call-status .call-status').waitFor();
    await page.screenshot({ path: join(artifacts, 'call-setting-up-390.png'), fullPage: true });

    const headline = page.locator('.call-headline');
    await expect.poll(() => headline.textContent(), { timeout: 20_000 }).toContain('Connected');
    const clock = page.locator('.call-clock');
    await page.waitForTimeout(2_500); // past the last set-up poll that may still swap the fragment in again
    const first = await clock.textContent();
    await page.waitForTimeout(2_200);
    expect(await clock.textContent()).not.toBe(first); // ticked in the browser, no request needed
    expect(await page.textContent('.call-status')).toContain('Topping up does not make this call longer.');
    await page.screenshot({ path: join(artifacts, 'call-connected-390.png'), fullPage: true });

    await page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => headline.textContent(), { timeout: 20_000 }).toContain('Call ended');
    await expect.poll(() => page.textContent('.call-status'), { timeout: 10_000 }).toMatch(/Cost\s*\$\d+\.\d\d/);
    await page.screenshot({ path: join(artifacts, 'call-ended-390.png'), fullPage: true });
    // The hang-up answer replaced the fragment in place (an htmx request, not a followed redirect to a whole page).
    expect(await page.locator('.call-status').count()).toBe(1);
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(cspViolations).toEqual([]);

    const [call] = await h.testDb.db('calls').select('status', 'cost_micros');
    expect(call.status).toBe('completed');
    await page.goto(`${h.baseUrl}/wallet`);
    expect(await page.textContent('main')).toContain(`Call to ${DESTINATION}`);
  });
});
