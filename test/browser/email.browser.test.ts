import { describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('email journeys in a real browser (390 px, simulation mode outbox)', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp();
  const { newPage, cspViolations } = fixture;

  async function openEmail(page: Awaited<ReturnType<typeof newPage>>, subject: string) {
    for (let tries = 0; ; tries++) {
      await page.goto(`${fixture.base}/outbox`);
      const email = page.locator('.outbox-email', { has: page.getByRole('heading', { name: subject }) }).first();
      if ((await email.count()) > 0) return email;
      if (tries > 50) throw new Error(`no "${subject}" email in the outbox`);
      await page.waitForTimeout(100);
    }
  }

  it('signs up, follows the link from /outbox and lands logged in; then resets the password through the emailed link', async () => {
    const page = await newPage(390);
    await page.goto(`${fixture.base}/signup`);
    await page.getByLabel('Your name').fill('Grace Hopper');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${fixture.base}/signup/check-email`);
    expect(await page.textContent('h1')).toContain('Check your email');

    const confirm = await openEmail(page, 'Confirm your email address');
    expect(await confirm.textContent()).toContain('grace@example.com');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await confirm.getByRole('link', { name: /\/confirm-email\?token=/ }).click();
    await page.waitForURL(/\/confirm-email\?token=/);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.waitForURL(`${fixture.base}/account/phone`);
    expect(await page.textContent('.flash')).toContain('Your email address is confirmed');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${fixture.base}/login`);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByRole('button', { name: 'Send me a link' }).click();
    expect(await page.textContent('h1')).toContain('Check your email');

    const reset = await openEmail(page, 'Reset your callbridge password');
    await reset.getByRole('link', { name: /\/reset-password\?token=/ }).click();
    await page.waitForURL(/\/reset-password\?token=/);
    await page.getByLabel('New password', { exact: true }).fill('a different long password');
    await page.getByLabel('New password again').fill('a different long password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(`${fixture.base}/login`);
    expect(await page.textContent('.flash')).toContain('Your password has been changed');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a different long password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${fixture.base}/`);
    expect(cspViolations).toEqual([]);
  });
});
