import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { type RunningSimulator, startSimulator } from '../../src/sim/simulator.js';
import { createTwilioClient } from '../../src/telephony/twilio-client.js';
import { type TestApp, createTestApp } from '../helpers/app.js';
import { BROWSER_JOURNEY, hasChromium, launchBrowser, listen, reportBrowserFailures, watchContext, watchPage } from '../helpers/browser.js';
import { type Receiver, startReceiver } from '../sim/helpers/receiver.js';

const artifacts = join(projectRoot, 'test-results', 'phones');

describe.skipIf(!hasChromium)('the phones page through the app’s port, in a real browser', BROWSER_JOURNEY, () => {
  let sim: RunningSimulator;
  let receiver: Receiver;
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  reportBrowserFailures();

  beforeAll(async () => {
    // Speed 5: the phone rings for 13 s real before timing out, the <Gather> waits 120 s real.
    sim = await startSimulator({ port: 0, speed: 5 });
    receiver = await startReceiver(sim.authToken);
    t = await createTestApp({}, {}, { phonesPage: sim.phonesPage });
    ({ server, url: base } = await listen(t.app));
    browser = await launchBrowser();
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await t?.close();
    await receiver?.close();
    await sim?.close();
  });

  for (const width of [390, 1280]) {
    it(`answers a ringing call, presses 1 on the keypad and hangs up at ${width} px, under the app's CSP`, async () => {
      const user = `+1555000${width === 390 ? '3901' : '1281'}`;
      const csp: string[] = [];
      const page = watchPage(await browser.newPage({ viewport: { width, height: 900 } }), csp);
      // The app's missing favicon (a separate issue) would go through the session middleware; not this page's doing.
      await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
      await page.goto(`${base}/phones`);
      const path = `/guard-${width}`;
      receiver.respond(path, `<Response><Gather numDigits="1" timeout="600" action="${path}-confirm"><Say>Press 1 to connect</Say></Gather></Response>`);
      receiver.respond(`${path}-confirm`, '<Response><Pause length="600"/></Response>');
      const client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
      const call = await client.calls.create({ to: user, from: sim.callerId, url: receiver.url(path) });

      const phone = page.locator('.handset', { hasText: user });
      await phone.getByRole('button', { name: 'Answer' }).click({ timeout: 5000 });
      await phone.getByText('The call is waiting for you to press a key.').waitFor({ timeout: 5000 });
      expect(page.url()).toBe(`${base}/phones`);
      await page.screenshot({ path: join(artifacts, `phones-keypad-${width}.png`), fullPage: true });
      // Keyboard: the focused key keeps its focus across the page's 1-second refresh, and Enter presses it.
      await phone.getByRole('button', { name: 'Press 1' }).focus();
      await page.waitForResponse((r) => r.url().endsWith('/phones/handsets'));
      await page.waitForTimeout(100);
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe(`key-${user.slice(1)}-1`);
      await page.keyboard.press('Enter');
      await expect.poll(() => receiver.on(`${path}-confirm`).map((r) => r.params.Digits), { timeout: 5000 }).toEqual(['1']);
      await phone.getByText('Keys pressed: 1').waitFor({ timeout: 5000 });
      await phone.getByRole('button', { name: 'Hang up' }).click();
      await expect.poll(async () => (await client.calls(call.sid).fetch()).status, { timeout: 5000 }).toBe('completed');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      expect(csp).toEqual([]);
      expect(Number((await t.testDb.db('sessions').count({ n: '*' }).first())?.n)).toBe(0);
      await page.close();
    });
  }

  it('works without JavaScript: plain form posts answer and redirect back to /phones', async () => {
    const context = watchContext(await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 900 } }), []);
    const page = await context.newPage();
    const user = '+15550003902';
    receiver.respond('/plain', '<Response><Gather numDigits="1" timeout="600" action="/plain-confirm"/></Response>');
    receiver.respond('/plain-confirm', '<Response><Hangup/></Response>');
    const client = createTwilioClient({ accountSid: sim.accountSid, authToken: sim.authToken, apiBase: sim.url });
    await client.calls.create({ to: user, from: sim.callerId, url: receiver.url('/plain') });
    await expect.poll(() => sim.control.calls().some((c) => c.to === user && c.status === 'ringing'), { timeout: 5000 }).toBe(true);
    await page.goto(`${base}/phones`);
    await page.locator('.handset', { hasText: user }).getByRole('button', { name: 'Answer' }).click();
    await page.waitForURL(`${base}/phones/`);
    await expect.poll(() => receiver.on('/plain').length, { timeout: 5000 }).toBe(1);
    await page.reload();
    await page.locator('.handset', { hasText: user }).getByRole('button', { name: 'Press 1' }).click();
    await expect.poll(() => receiver.on('/plain-confirm').map((r) => r.params.Digits), { timeout: 5000 }).toEqual(['1']);
    await context.close();
  });
});
