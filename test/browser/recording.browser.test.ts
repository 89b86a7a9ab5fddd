import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, reportBrowserFailures, watchPage } from '../helpers/browser.js';
import { CALLER, type CallStack, startCallStack, logInAsCaller } from './helpers/call-stack.js';

const artifacts = join(projectRoot, 'test-results', 'recording');
/** Simulator test number: answers after 3 s and stays on the line (src/sim/handsets.ts MAGIC_NUMBERS). */
const DESTINATION = '+15005550100';

describe.skipIf(!hasChromium)('call recording in a real browser: turn it on, call, answer, hang up, play it on the call page', BROWSER_JOURNEY, () => {
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

  it('records the call after both notices and plays it back through the app', async () => {
    const { base } = stack;
    const page = await newPage();
    await logInAsCaller(page, base);
    expect(await page.locator('#recording-notice').count()).toBe(0);

    await page.goto(`${base}/account`);
    await page.getByLabel('Record my calls').check();
    await page.locator('#recording').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your calls will be recorded.').waitFor({ timeout: 5000 });
    await shoot(page, 'account');

    await page.goto(`${base}/`);
    await page.getByText('This call will be recorded.').waitFor();
    await page.getByLabel('Number to call').fill(DESTINATION);
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    const status = page.locator('#call-status');
    await status.getByText('Calling your phone').waitFor({ timeout: 5000 });

    const phones = await newPage();
    await phones.goto(`${base}/phones`);
    const handset = phones.locator('.handset', { hasText: CALLER.phone });
    await handset.getByRole('button', { name: 'Answer' }).click({ timeout: 10_000 });
    await handset.getByRole('button', { name: 'Press 1' }).click({ timeout: 10_000 });
    // The notice, the dial, the destination's answer and whisper: then the recording starts, and /phones shows it.
    // Both phones in the call show it (the user's, and the destination's: "In a call with" the user's number too).
    await phones.locator('.handset__recording').first().waitFor({ timeout: 20_000 });
    await expect.poll(() => phones.locator('.handset__recording').count(), { timeout: 5000 }).toBe(2);
    await phones.screenshot({ path: join(artifacts, 'phones-recording-390.png'), fullPage: true });
    await status.getByText('Connected').waitFor({ timeout: 10_000 });
    await expect.poll(() => status.locator('.call-clock').textContent(), { timeout: 10_000 }).toMatch(/^00:0[5-9]$/);
    await status.getByRole('button', { name: 'Hang up' }).click();
    await status.locator('.call-headline').getByText(/Call ended|You hung up/).first().waitFor({ timeout: 10_000 });

    const call = await stack.testDb.db('calls').where({ user_id: stack.userId }).first();
    await page.goto(`${base}/calls/${call.id}`);
    // "Recording processing" first (the simulator processes for 2 s), then the panel swaps in the player by itself.
    const player = page.locator('#recording-panel audio');
    await player.waitFor({ timeout: 20_000 });
    await shoot(page, 'call-page-recording');
    expect(await player.getAttribute('src')).toBe(`/calls/${call.id}/recording`);
    // Muted so headless Chromium may play without a user gesture; the tsconfig has no DOM types, hence a string.
    const played = await page.evaluate<{ duration: number; currentTime: number; error: number | null }>(`(async () => {
      const audio = document.querySelector('#recording-panel audio');
      audio.muted = true;
      await audio.play();
      await new Promise((resolve) => setTimeout(resolve, 700));
      return { duration: audio.duration, currentTime: audio.currentTime, error: audio.error ? audio.error.code : null };
    })()`);
    expect(played.error).toBeNull();
    expect(played.duration).toBeGreaterThanOrEqual(2);
    expect(played.currentTime).toBeGreaterThan(0.2);
    const stored = await stack.testDb.db('recordings').where({ call_id: call.id }).first();
    expect(stored.status).toBe('stored');
    expect(Math.abs(played.duration - Number(stored.duration_s))).toBeLessThan(1);
    // The recorded minute is billed once stored: the reloaded page lists it in the cost breakdown.
    await page.reload();
    expect(await page.locator('.cost-table').textContent()).toMatch(/Recording, 1 min\s*\$0\.0050/);
    expect(csp).toEqual([]);
  });
});
