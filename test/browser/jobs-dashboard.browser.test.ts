import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, listen, reportBrowserFailures, watchPage } from '../helpers/browser.js';
import { createSchedulerTestbed, type SchedulerTestbed } from '../jobs/helpers/scheduler-testbed.js';

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'a long enough password' };

describe.skipIf(!hasChromium)('Agendash in a browser', BROWSER_JOURNEY, () => {
  let bed: SchedulerTestbed;
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  reportBrowserFailures();

  beforeAll(async () => {
    bed = await createSchedulerTestbed();
    t = await createTestApp({}, {}, { jobs: bed.scheduler });
    await t.services.accounts.signUp(ADMIN, '127.0.0.1', 'admin');
    ({ server, url: base } = await listen(t.app));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await t?.close();
    await bed?.destroy();
  });

  it('shows a link back to callbridge that works, with no CSP violation', async () => {
    const violations: string[] = [];
    const page = watchPage(await browser.newPage({ viewport: { width: 1280, height: 800 } }), violations);
    await page.goto(`${base}/login`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/`);
    await page.goto(`${base}/admin/jobs/`);
    const back = page.getByRole('link', { name: 'Back to callbridge admin' });
    await back.waitFor();
    // Agendash's own UI rendered too (its Vue app fills #app).
    await expect.poll(() => page.locator('#app *').count()).toBeGreaterThan(5);
    expect(await back.isVisible()).toBe(true);
    // (Agendash's closed mobile sidebar waits off screen, right <= 0.) In the page's flow above Agendash's app: it covers nothing (a floating link hid the table at 390 px).
    expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('.callbridge-bar')).position`)).toBe('static');
    mkdirSync(join(projectRoot, 'test-results', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(projectRoot, 'test-results', 'screenshots', 'agendash-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    const covers = await page.evaluate<string[]>(`(() => {
      const bar = document.querySelector('.callbridge-bar').getBoundingClientRect();
      return [...document.querySelectorAll("#app *")].filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.right > 0 && r.top < bar.bottom && r.bottom > bar.top;
      }).map((el) => el.tagName + '.' + el.className);
    })()`);
    expect(covers, 'the back bar overlaps part of Agendash').toEqual([]);
    await page.screenshot({ path: join(projectRoot, 'test-results', 'screenshots', 'agendash-390.png') });
    await back.click();
    await page.waitForURL(`${base}/admin`);
    expect(violations).toEqual([]);
  });
});
