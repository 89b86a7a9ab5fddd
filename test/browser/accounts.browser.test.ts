import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { hasChromium, launchBrowser, listen } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('accounts in a real browser', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    ({ server, url: base } = await listen(t.app));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await t?.close();
  });

  async function newPage(width = 390): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
    });
    return page;
  }

  it('signs up and logs out with the keyboard on a phone-sized screen, with no CSP violations', async () => {
    const page = await newPage();
    await page.goto(`${base}/signup`);
    await page.keyboard.press('Tab'); // skip link first
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByLabel('Your name').fill('Grace Hopper');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByLabel('Password').press('Enter');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('h1')).toContain('Hello, Grace Hopper');
    expect(await page.textContent('.flash-success')).toContain('Your account is ready');
    // No horizontal scrolling at 390 px.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    expect(await page.evaluate('typeof window.htmx')).toBe('object');
    expect(cspViolations).toEqual([]);
  });

  it('shows the shared error for bad credentials next to the form', async () => {
    const page = await newPage(1280);
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByLabel('Password').fill('whatever');
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(await page.textContent('[role=alert]')).toContain('Email or password is incorrect.');
    expect(cspViolations).toEqual([]);
  });
});
