import type { Page, Request } from 'playwright-core';
import { it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { CALLER, startCallStack } from './helpers/call-stack.js';

const SLOW_LINK = { offline: false, latency: 300, downloadThroughput: 50_000 / 8, uploadThroughput: 50_000 / 8 };
async function slow(page: Page) { const cdp = await page.context().newCDPSession(page); await cdp.send('Network.enable'); await cdp.send('Network.emulateNetworkConditions', SLOW_LINK); }

it('breakdown', { timeout: 120_000 }, async () => {
  const stack = await startCallStack();
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  for (const round of ['first', 'repeat']) {
    if (round === 'repeat') await context.clearCookies();
    const page = await context.newPage();
    await slow(page);
    const t0 = performance.now();
    const log: string[] = [];
    page.on('requestfinished', async (r: Request) => {
      const s = await r.sizes(); const t = r.timing();
      log.push(`${r.method()} ${r.url().replace(stack.base, '')} reqH ${s.requestHeadersSize} reqB ${s.requestBodySize} resH ${s.responseHeadersSize} resB ${s.responseBodySize} start ${Math.round(t.startTime - 0)} rs ${Math.round(t.responseStart)} re ${Math.round(t.responseEnd)} fromCache ${(await r.response())?.fromServiceWorker()}`);
    });
    await page.goto(`${stack.base}/login`);
    const a = performance.now() - t0;
    console.log('loginnav', await page.evaluate('JSON.stringify([performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")].map(e => [e.name.slice(-30), Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd), e.transferSize, Math.round(e.domInteractive||0), Math.round(e.loadEventEnd||0)]))'));
    await page.getByLabel('Email').fill(CALLER.email);
    await page.getByLabel('Password').fill(CALLER.password);
    await page.waitForTimeout(3000);
    const t1 = performance.now();
    await page.evaluate('window.addEventListener("pagehide", () => {})');
    await page.getByLabel('Password').press('Enter');
    const tp = performance.now() - t1;
    await page.waitForURL(`${stack.base}/`, { waitUntil: 'commit' });
    const tc = performance.now() - t1;
    await page.waitForURL(`${stack.base}/`, { waitUntil: 'load' });
    const tl = performance.now() - t1;
    await page.getByLabel('Number to call').waitFor();
    const b = performance.now() - t1;
    const nav = await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])');
    console.log('press', Math.round(tp), 'commit', Math.round(tc), 'load', Math.round(tl), 'label', Math.round(b));
    const n = JSON.parse(nav as string); console.log('nav', ['redirectStart','redirectEnd','fetchStart','requestStart','responseStart','responseEnd','domInteractive','domContentLoadedEventEnd','loadEventStart','loadEventEnd'].map(k => k + '=' + Math.round(n[k])).join(' '));
    await page.waitForTimeout(500);
    console.log(round, 'login page', Math.round(a), 'submit->dial', Math.round(b), '\n' + log.filter(l => !l.includes('static')).join('\n'));
    await page.close();
  }
  await browser.close(); await stack.close();
});
