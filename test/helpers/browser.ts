import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createTestApp, type TestApp } from './app.js';

/** Debian's Chromium; .ci/run installs it. Browser tests skip (saying so) only where it is missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);

/**
 * Each Playwright wait gives up after this (Playwright's own default), inside the journey's timeout, so a wait that
 * never ends fails naming its locator or URL instead of "Test timed out". A step takes well under a second here.
 */
const PAGE_WAIT_MS = 30_000;

/**
 * Options for every browser journey's describe: a journey loads ten pages or more and takes 5-6 s on an idle 2-core
 * machine, but twice on CI one timed out at vitest's 20 s default with no step named (stops 21 and 22, PostgreSQL
 * runs). The room is for a stalled machine; a real hang still fails, with the journal below.
 */
export const BROWSER_JOURNEY = { timeout: 90_000 } as const;

/** What the watched pages did, newest last: printed when a test fails, it shows the request still outstanding. */
const journal: string[] = [];
const JOURNAL_LINES = 150;
const openPages = new Set<Page>();

function note(line: string): void {
  journal.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  if (journal.length > JOURNAL_LINES) journal.shift();
}

/**
 * Gives a page (or a context's pages) the step timeout, collects its Content-Security-Policy refusals into
 * `cspViolations`, and journals its requests and navigations for reportBrowserFailures.
 */
export function watchPage(page: Page, cspViolations: string[]): Page {
  page.setDefaultTimeout(PAGE_WAIT_MS);
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
  });
  page.on('request', (r) => note(`-> ${r.method()} ${r.url()}`));
  page.on('requestfinished', (r) => note(`<- ${r.method()} ${r.url()}`));
  page.on('requestfailed', (r) => note(`!! ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('framenavigated', (frame) => frame === page.mainFrame() && note(`at ${frame.url()}`));
  page.on('pageerror', (error) => note(`page error: ${error.message}`));
  return page;
}

/** A context whose pages are all watched (see watchPage). */
export function watchContext(context: BrowserContext, cspViolations: string[]): BrowserContext {
  context.setDefaultTimeout(PAGE_WAIT_MS);
  context.on('page', (page) => watchPage(page, cspViolations));
  return context;
}

/** Call once in a browser test file: a failed test prints the journal and where each open page was. */
export function reportBrowserFailures(): void {
  beforeEach(({ onTestFailed }) => {
    journal.length = 0;
    onTestFailed(() => {
      const pages = [...openPages].map((page) => `  ${page.url()}`).join('\n') || '  (none)';
      console.error(`browser journal, last ${JOURNAL_LINES} events:\n${journal.join('\n')}\nopen pages:\n${pages}`);
    });
  });
}

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
export function useBrowserApp(prepare: (t: TestApp) => Promise<void> = async () => undefined, app: { env?: Record<string, string>; overrides?: Parameters<typeof createTestApp>[2] } = {}): BrowserApp {
  const fixture = { cspViolations: [] as string[] } as BrowserApp;
  let server: Server | undefined;
  reportBrowserFailures();
  beforeAll(async () => {
    // Listening first, so PUBLIC_URL (the links in emails) is this server's own address.
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    fixture.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fixture.t = await createTestApp({ PUBLIC_URL: fixture.base, ...app.env }, {}, app.overrides);
    server.on('request', fixture.t.app);
    await prepare(fixture.t);
    fixture.browser = await launchBrowser();
  });
  afterAll(async () => {
    await fixture.browser?.close();
    server?.close();
    await fixture.t?.close();
  });
  fixture.newPage = async (width = 390) => {
    return watchPage(await fixture.browser.newPage({ viewport: { width, height: 800 } }), fixture.cspViolations);
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
  await page.waitForURL(`${base}/signup/check-email`);
  // The confirmation link from the outbox logs in (by path: some fixtures' PUBLIC_URL is not their own port).
  const href = await waitForOutboxLink(page, base, user.email, '/confirm-email');
  const link = new URL(href);
  await page.goto(`${base}${link.pathname}${link.search}`);
  // The link's page asks for a press of its button (a GET alone confirms nothing: mail scanners prefetch links).
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await page.waitForURL((url) => url.pathname === '/account/phone' || url.pathname === '/');
  // Journeys start from the home page, as a user who has just logged in does.
  await page.goto(`${base}/`);
}

/** The newest link to `path` in an email to `to` on /outbox, reloading until the email has been delivered. */
export async function waitForOutboxLink(page: Page, base: string, to: string, path: string): Promise<string> {
  for (let tries = 0; ; tries++) {
    await page.goto(`${base}/outbox?to=${encodeURIComponent(to)}`);
    const href = await page.locator(`a[href*="${path}?"]`).first().getAttribute('href', { timeout: 200 }).catch(() => null);
    if (href) return href;
    if (tries > 50) throw new Error(`no email to ${to} with a link to ${path} in the outbox`);
    await page.waitForTimeout(100);
  }
}
