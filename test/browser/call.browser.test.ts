import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchContext, watchPage } from '../helpers/browser.js';
import { CALLER, CALLER_CREDIT_MICROS, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

const artifacts = join(projectRoot, 'test-results', 'call');
/** Simulator test number: answers after 3 s and stays on the line (src/sim/handsets.ts MAGIC_NUMBERS). */
const DESTINATION = '+15005550100';
/** data/rates.csv: United States $0.1431/min, 60 s increments; a call under a minute bills one minute per leg. */
const ONE_MINUTE_BOTH_LEGS_MICROS = 2 * 143_100;

describe.skipIf(!hasChromium)('the main promise in a real browser: dial, answer on /phones, talk, hang up, pay exactly', BROWSER_JOURNEY, () => {
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

  async function newPage(): Promise<Page> {
    return watchPage(await browser.newPage({ viewport: { width: 390, height: 844 } }), csp);
  }
  const shoot = async (page: Page, name: string) => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `${name} fits 390 px`).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(artifacts, `${name}-390.png`), fullPage: true });
  };

  it('a new user logs in, calls a number, answers and presses 1 on the phones page, hangs up and sees the same charge in the wallet', async () => {
    const { base } = stack;
    const page = await newPage();
    await logInAsCaller(page, base);

    // A refused number: the server's 422 fragment is shown under the button (htmx swaps 422, see the layout).
    await page.getByLabel('Number to call').fill('+19005550123');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.locator('#call-status .call-refused').getByText('Premium-rate numbers cannot be called.').waitFor({ timeout: 5000 });
    await shoot(page, 'refused');
    await page.getByLabel('Number to call').fill('');
    await page.getByLabel('Number to call').pressSequentially(DESTINATION);
    const preview = page.locator('#dial-preview');
    await expect.poll(() => preview.textContent(), { timeout: 5000 }).toContain('+1 500 555 0100');
    expect(await preview.textContent()).toMatch(/Total\s*\$0\.2862\/min/);
    await shoot(page, 'dial');

    // A double click is one call: htmx drops the second request and the button is disabled while the first runs.
    await page.getByRole('button', { name: 'Call', exact: true }).dblclick();
    const status = page.locator('#call-status');
    await status.getByText('Calling your phone').waitFor({ timeout: 5000 });
    expect(await page.locator('.call-refused').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Call', exact: true }).isVisible()).toBe(false);
    await shoot(page, 'ringing');

    const phones = await newPage();
    await phones.goto(`${base}/phones`);
    const handset = phones.locator('.handset', { hasText: CALLER.phone });
    await handset.getByRole('button', { name: 'Answer' }).click({ timeout: 5000 });
    // The voicemail guard (CONFIRM_ANSWER, on by default) asks the user to press 1 before dialling.
    await status.getByText('Press 1 on your phone').waitFor({ timeout: 5000 });
    await shoot(page, 'press-1');
    await handset.getByRole('button', { name: 'Press 1' }).click({ timeout: 5000 });
    await phones.screenshot({ path: join(artifacts, 'phones-in-call-390.png'), fullPage: true });

    await status.getByText('Connected').waitFor({ timeout: 10_000 });
    expect(await status.textContent()).toMatch(/left/);
    // The price and the cost so far, ticking with the clock in the browser (steps the server formatted, no request).
    const liveCost = status.locator('.call-cost');
    expect(await liveCost.textContent()).toContain('at $0.2862/min, both legs');
    await expect.poll(() => liveCost.locator('.amount').textContent(), { timeout: 5000 }).toBe('$0.2862');
    await shoot(page, 'connected');
    const calls = await stack.testDb.db('calls').where({ user_id: stack.userId });
    expect(calls).toHaveLength(1);

    // Talk for two seconds, on the clock public/call-clock.js ticks between polls (a bridge under a second is free).
    await expect.poll(() => status.locator('.call-clock').textContent(), { timeout: 5000 }).toMatch(/^00:0[2-9]$/);
    await status.getByRole('button', { name: 'Hang up' }).click();
    await status.locator('.call-headline').getByText(/Call ended|You hung up/).first().waitFor({ timeout: 10_000 });
    // "Call ended" shows while the cost is worked out, then the outcome ("You hung up"); the fragment keeps polling until the charge is known.
    await expect.poll(() => status.locator('.amount').textContent(), { timeout: 5000 }).toContain('$0.2862');
    const settled = await stack.testDb.db('calls').where({ user_id: stack.userId }).first();
    expect(settled.status).toBe('completed');
    expect(Number(settled.cost_micros)).toBe(ONE_MINUTE_BOTH_LEGS_MICROS);
    expect(await status.getByRole('button', { name: 'Hang up' }).count()).toBe(0);
    // The preview is asked again once the call ends, so "Longest call" counts the credit that is left.
    await expect.poll(() => preview.textContent(), { timeout: 5000 }).toMatch(/with \$4\.7138 available/);
    await shoot(page, 'ended');

    await status.getByRole('link', { name: 'Call details' }).click();
    await page.waitForURL(`${base}/calls/${settled.id}`);
    expect(await page.locator('.cost-table').textContent()).toMatch(/Charged\s*\$0\.2862/);
    expect(await page.locator('.call-timeline').textContent()).toContain('You pressed 1');
    await page.getByRole('link', { name: 'Call again' }).waitFor();
    await shoot(page, 'call-page');

    await page.goto(`${base}/wallet`);
    const ledger = await stack.testDb.db('ledger_entries').where({ user_id: stack.userId, kind: 'call_charge' });
    expect(ledger.map((e) => Number(e.amount_micros))).toEqual([-ONE_MINUTE_BOTH_LEGS_MICROS]);
    const newest = page.locator('table tbody tr').first();
    expect(await newest.textContent()).toContain('-$0.2862');
    expect(await newest.textContent()).toContain(DESTINATION);
    expect(await page.locator('main').textContent()).toContain(`$${((CALLER_CREDIT_MICROS - ONE_MINUTE_BOTH_LEGS_MICROS) / 1e6).toFixed(4)}`);
    await shoot(page, 'wallet');
    expect(csp).toEqual([]);
  });

  it('works without JavaScript: the form posts to the call page, a refresh link follows the call, a form hangs up', async () => {
    const { base } = stack;
    // The user's phone answers by itself and presses 1 when asked, so this test can stay on one page.
    stack.sim.control.setBehaviour(CALLER.phone, { kind: 'answer', answerAfterS: 1, digits: '1' });
    // The first test's call must have left the user's one live-call slot (on a loaded machine its last callback can lag).
    await expect.poll(() => stack.testDb.db('calls').where({ user_id: stack.userId }).whereNotNull('live_user_id').count({ n: '*' }).first().then((r) => Number(r?.n ?? 0)), { timeout: 15_000 }).toBe(0);
    const context = watchContext(await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } }), csp);
    const page = await context.newPage();
    await logInAsCaller(page, base);
    await page.getByLabel('Number to call').fill(DESTINATION);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.waitForURL(/\/calls\/cl_[a-z2-7]{20}$/, { timeout: 5000 });
    const callUrl = page.url();

    const refreshUntil = async (text: string) => {
      await expect.poll(async () => {
        await page.getByRole('link', { name: 'Refresh' }).click();
        await page.waitForURL(callUrl);
        return page.locator('#call-status').textContent();
      }, { timeout: 15_000, interval: 500 }).toContain(text);
    };
    await refreshUntil('Connected');
    await page.screenshot({ path: join(artifacts, 'no-js-connected-390.png'), fullPage: true });
    // Talk for a moment: a bridge shorter than a second is reported as 0 s and is free.
    await page.waitForTimeout(2000);
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.waitForURL(callUrl);
    // "Call ended" shows at once; the cost follows when Twilio has reported both legs (a refresh away, at most).
    // A refresh link stays until the charge is known, which can be a moment after the call is over.
    if (!(await page.locator('#call-status .amount').textContent({ timeout: 1000 }).catch(() => ''))?.includes('$0.2862')) await refreshUntil('$0.2862');
    expect(await page.locator('#call-status [data-call-status]').getAttribute('data-call-status')).toBe('completed');
    expect(await page.locator('#call-status .amount').textContent({ timeout: 1000 })).toContain('$0.2862');
    expect(await page.getByRole('link', { name: 'Refresh' }).count()).toBe(0);
    const ledger = await stack.testDb.db('ledger_entries').where({ user_id: stack.userId, kind: 'call_charge' });
    expect(ledger.map((e) => Number(e.amount_micros))).toEqual([-ONE_MINUTE_BOTH_LEGS_MICROS, -ONE_MINUTE_BOTH_LEGS_MICROS]);
    await page.screenshot({ path: join(artifacts, 'no-js-ended-390.png'), fullPage: true });
    await context.close();
  });
});
