import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createTestApp, type TestApp } from './app.js';

/** Debian's Chromium; .ci/run installs it. Browser tests skip (saying so) only where it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);

/** Playwright's own default is 30 s, longer than vitest's testTimeout (20 s), which would hide the step that hung. */
const PAGE_WAIT_MS = 12_000;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function listen(app: import('express').Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export interface BrowserApp {
  t: TestApp;
  base: string;
  browser: Browser;
  /** Console messages reporting a Content-Security-Policy refusal, from every page opened with newPage. */
  cspViolations: string[];
  newPage(width?: number): Promise<Page>;
}

/** Per-file fixture: one app served on a random port and one Chromium, shared by the file's tests. */
export function useBrowserApp(prepare: (t: TestApp) => Promise<void> = async () => undefined): BrowserApp {
  const fixture = { cspViolations: [] as string[] } as BrowserApp;
  let server: Server | undefined;
  beforeAll(async () => {
    fixture.t = await createTestApp();
    await prepare(fixture.t);
    ({ server, url: fixture.base } = await listen(fixture.t.app));
    fixture.browser = await launchBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
    server?.close();
    await fixture.t?.close();
  });
  fixture.newPage = async (width = 390) => {
    const page = await fixture.browser.newPage({ viewport: { width, height: 800 } });
    // Under the 20 s test timeout, so a wait that never ends fails naming its locator or URL, not just "timed out".
    page.setDefaultTimeout(PAGE_WAIT_MS);
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) fixture.cspViolations.push(msg.text());
    });
    return page;
  };
  return fixture;
}

/** Signs up through the form, then logs in (sign-up answers alike for new and taken emails, so it never logs in). */
export async function signUpAndLogIn(page: Page, base: string, user: { name: string; email: string; password: string }): Promise<void> {
  await page.goto(`${base}/signup`);
  await page.getByLabel('Your name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL(`${base}/login?signed_up=1`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base}/`);
}
