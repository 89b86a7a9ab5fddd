import { describe, expect, it } from 'vitest';
import { BROWSER_JOURNEY, hasChromium, useBrowserApp } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('accounts in a real browser', BROWSER_JOURNEY, () => {
  const fixture = useBrowserApp();
  const { newPage, cspViolations } = fixture;

  it('signs up and logs out with the keyboard on a phone-sized screen, with no CSP violations', async () => {
    const page = await newPage();
    await page.goto(`${fixture.base}/signup`);
    await page.keyboard.press('Tab'); // skip link first
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByLabel('Your name').fill('Grace Hopper');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.base}/signup/check-email`);
    expect(await page.textContent('h1')).toContain('Check your email');
    // Unconfirmed, the account may still log in and look around.
    await page.goto(`${fixture.base}/login`);
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${fixture.base}/`);
    expect(await page.textContent('h1')).toContain('Call a number');
    // The log-in was answered with the dial page itself; the address bar says / and a reload asks for / with a GET,
    // not the form again.
    const navigations: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest()) navigations.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.reload();
    expect(navigations).toEqual(['GET /']);
    expect(await page.textContent('h1')).toContain('Call a number');
    // No horizontal scrolling at 390 px.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await page.evaluate('typeof window.htmx')).toBe('object');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${fixture.base}/login`);
    // The log-in form runs no script (it only prefetches the next page's).
    expect(await page.evaluate('typeof window.htmx')).toBe('undefined');
    expect(cspViolations).toEqual([]);
  });

  it('shows the shared error for bad credentials next to the form', async () => {
    const page = await newPage(1280);
    await page.goto(`${fixture.base}/login`);
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('whatever');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await page.textContent('[role=alert]')).toContain('Email or password is incorrect.');
    expect(cspViolations).toEqual([]);
  });
});
