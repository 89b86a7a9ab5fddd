import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, signUpAndLogIn, watchPage } from '../helpers/browser.js';
import { expectLedgerConsistent } from '../helpers/ledger.js';
import { startPaymentsStack, type PaymentsStack } from '../payments/helpers/payments-stack.js';

describe.skipIf(!hasChromium)('card top-up in a real browser at 390 px', BROWSER_JOURNEY, () => {
  let stack: PaymentsStack;
  let browser: Browser;
  const cspViolations: string[] = [];
  reportBrowserFailures();
  beforeAll(async () => {
    stack = await startPaymentsStack();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('logs in, tops up $10 with 4242…, sees "adding credit" turn into $10.00 more in the wallet, and the receipt', async () => {
    const page = watchPage(await browser.newPage({ viewport: { width: 390, height: 800 } }), cspViolations);
    const base = stack.baseUrl;
    await signUpAndLogIn(page, base, { name: 'Grace Hopper', email: 'grace@example.com', password: 'a long enough password' });
    // The low-balance banner leads to the top-up.
    await page.getByRole('link', { name: 'Add credit' }).first().click();
    await page.waitForURL(`${base}/wallet#top-up`);
    expect(await page.textContent('.wallet-facts')).toContain('$0.0000');
    // Events reach the app 1.5 s late, so the return page is seen before the credit.
    stack.stripe.setFaults({ delayMs: 1_500 });
    await page.getByRole('button', { name: 'Add $10.0000' }).click();
    await page.waitForURL(/\/stripe-sim\/checkout\/cs_test_/);
    expect(await page.textContent('body')).toContain('Pay $10.00');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: 'Pay $10.00' }).click();
    await page.waitForURL(/\/wallet\/top-up\/return\?session_id=cs_test_/);
    expect(await page.textContent('#top-up-status')).toContain('Payment received, adding credit…');
    // htmx polls the status fragment until the webhook has credited the wallet.
    await page.locator('#top-up-status', { hasText: '$10.0000 added to your balance.' }).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Go to your wallet' }).click();
    await page.waitForURL(`${base}/wallet`);
    expect(await page.textContent('.wallet-facts')).toContain('$10.0000');
    expect(await page.textContent('.ledger-table')).toContain('Card top-up $10.0000');
    await page.getByRole('link', { name: 'Receipt' }).first().click();
    await page.waitForURL(/\/wallet\/top-ups\/tu_/);
    expect(await page.textContent('h1')).toBe('Receipt');
    expect(await page.textContent('.receipt')).toContain('$10.0000');
    expect(await page.textContent('.receipt')).toContain('grace@example.com');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(cspViolations).toEqual([]);
    await expectLedgerConsistent(stack.testDb.db);
  });

  it('saves the card at a top-up, turns automatic top-up on, and removes the card after confirming', async () => {
    stack.stripe.setFaults({});
    const page = watchPage(await browser.newPage({ viewport: { width: 390, height: 800 } }), cspViolations);
    const base = stack.baseUrl;
    await signUpAndLogIn(page, base, { name: 'Ada Lovelace', email: 'ada@example.com', password: 'a long enough password' });
    await page.goto(`${base}/wallet`);
    expect(await page.textContent('#auto-top-up')).toContain('No saved card');
    await page.getByLabel('Save this card for automatic top-ups').first().check();
    await page.getByRole('button', { name: 'Add $10.0000' }).click();
    await page.waitForURL(/\/stripe-sim\/checkout\/cs_test_/);
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: 'Pay $10.00' }).click();
    await page.waitForURL(/\/wallet\/top-up\/return\?session_id=cs_test_/);
    await page.locator('#top-up-status', { hasText: '$10.0000 added to your balance.' }).waitFor({ timeout: 15_000 });
    await stack.stripe.waitForDeliveries();
    await page.goto(`${base}/wallet#auto-top-up`);
    expect(await page.textContent('#auto-top-up')).toContain('VISA ending 4242');
    await page.getByLabel('Top up automatically').check();
    await page.getByLabel('When my balance falls below (USD)').fill('5');
    await page.getByLabel('Add (USD)').fill('20');
    await page.getByLabel('Add (USD)').press('Enter');
    await page.waitForURL(`${base}/wallet#auto-top-up`);
    expect(await page.textContent('#auto-top-up')).toContain('When your balance falls below $5.0000, $20.0000 is added from this card.');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByRole('link', { name: 'Remove it' }).click();
    await page.waitForURL(`${base}/wallet/card/remove`);
    await page.getByRole('button', { name: 'Remove the card' }).click();
    await page.waitForURL(`${base}/wallet#auto-top-up`);
    expect(await page.textContent('.flash')).toContain('Your card was removed');
    expect(await page.textContent('#auto-top-up')).toContain('No saved card');
    expect(cspViolations).toEqual([]);
  });
});
