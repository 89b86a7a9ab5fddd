import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_IN_PAGE_FRESH_S } from '../../src/accounts/accounts-routes.js';
import { FORM_TOKEN_TTL_MS } from '../../src/http/csrf.js';
import { createTestApp, signedUpAgent, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** What a browser says an htmx request (an XMLHttpRequest) is for. */
const FOR_A_SCRIPT = { 'Sec-Fetch-Dest': 'empty', 'Sec-Fetch-Mode': 'cors', 'Sec-Fetch-Site': 'same-origin' };
const DOCUMENT_ONLY = ['content-security-policy', 'cross-origin-opener-policy', 'origin-agent-cluster', 'x-frame-options', 'referrer-policy', 'x-xss-protection', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies'];

describe('security headers: document policies on what may be rendered as a page, the lean set on the rest', () => {
  it('gives a page every document policy, whether or not the browser says what it is for', async () => {
    for (const headers of [{}, { 'Sec-Fetch-Dest': 'document', 'Sec-Fetch-Mode': 'navigate' }, { 'Sec-Fetch-Dest': 'iframe' }]) {
      const page = await request(t.app).get('/login').set(headers);
      for (const name of DOCUMENT_ONLY) expect(page.headers[name], name).toBeDefined();
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers an htmx request with nosniff, same-origin loading and no caching, without the document policies', async () => {
    const { agent } = await signedUpAgent(t);
    const fragment = await agent.get('/dial/preview?to=020%207946%200958&country=GB').set({ ...FOR_A_SCRIPT, 'HX-Request': 'true' });
    expect(fragment.status).toBe(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.headers['x-content-type-options']).toBe('nosniff');
    expect(fragment.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(fragment.headers['cache-control']).toBe('no-store');
    for (const name of DOCUMENT_ONLY) expect(fragment.headers[name], name).toBeUndefined();
    // The same URL opened as a page (a link, the address bar) leads to the dial page, a document with its policies.
    const opened = await agent.get('/dial/preview?to=020%207946%200958&country=GB').set({ 'Sec-Fetch-Dest': 'document' }).redirects(1);
    expect(opened.text).toContain('<html');
    expect(opened.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves our static files with nosniff and same-origin loading, without the document policies', async () => {
    const page = await request(t.app).get('/signup');
    for (const [, url] of page.text.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)) {
      const asset = await request(t.app).get(url!);
      expect(asset.status, url).toBe(200);
      expect(asset.headers['x-content-type-options'], url).toBe('nosniff');
      expect(asset.headers['cross-origin-resource-policy'], url).toBe('same-origin');
      for (const name of DOCUMENT_ONLY) expect(asset.headers[name], `${url} ${name}`).toBeUndefined();
    }
  });

  it('sends HSTS on every response over HTTPS, pages and the rest', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://callbridge.test' });
    try {
      const page = await request(secure.app).get('/login');
      const script = /href="(\/static\/app\.js\?v=[^"]+)"/.exec(page.text)![1]!;
      for (const res of [page, await request(secure.app).get(script)]) expect(res.headers['strict-transport-security']).toContain('max-age=');
    } finally {
      await secure.close();
    }
  });
});

describe('the log-in page on a slow link', () => {
  it('links only app.css, and asks for the script the next page needs as an idle prefetch, not as a script', async () => {
    const page = await request(t.app).get('/login');
    expect(page.text).toMatch(/<link rel="stylesheet" href="\/static\/app\.css\?v=[0-9a-f]{10}">/);
    expect(page.text).not.toContain('pages.css');
    expect(page.text).toMatch(/<link rel="prefetch" href="\/static\/app\.js\?v=[0-9a-f]{10}">/);
    expect(page.text).not.toContain('<script');
  });
});

describe('the log-in page kept by a browser without cookies', () => {
  it('may be reused for a while by a visitor with no cookie, never once there is one, and posts elsewhere than its own URL', async () => {
    const fresh = await request(t.app).get('/login');
    expect(fresh.headers['cache-control']).toBe(`private, max-age=${LOG_IN_PAGE_FRESH_S}`);
    expect(fresh.headers.vary).toMatch(/\bCookie\b/);
    // Its public-form token stays valid long after the copy may no longer be reused.
    expect(LOG_IN_PAGE_FRESH_S * 1000 * 2).toBeLessThanOrEqual(FORM_TOKEN_TTL_MS);
    // A POST to a page's own URL makes the browser drop its copy of that page.
    expect(fresh.text).toContain('<form method="post" action="/sessions" novalidate>');
    const withCookie = await request(t.app).get('/login').set('Cookie', 'caller_country=GB');
    expect(withCookie.headers['cache-control'] ?? '').not.toContain('max-age');
    expect(withCookie.headers.vary).toMatch(/\bCookie\b/);
    expect((await request(t.app).get('/sessions')).headers.location).toBe('/login');
  });

  it('logs in through POST /sessions as through POST /login', async () => {
    await signedUpAgent(t, { email: 'grace@example.com', password: 'a long enough password' });
    const agent = request.agent(t.app);
    const form = await agent.get('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const res = await agent.post('/sessions').type('form').send({ _csrf: csrf, email: 'grace@example.com', password: 'a long enough password', next: '/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect((await agent.get('/')).text).toContain('Log out');
  });
});

describe('a redirect', () => {
  it('carries no document policies (it is never rendered), and nosniff still', async () => {
    const { agent } = await signedUpAgent(t);
    const res = await agent.get('/login');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    for (const name of ['content-security-policy', 'cross-origin-opener-policy', 'x-frame-options', 'permissions-policy']) expect(res.headers[name], name).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The page it leads to has them.
    expect((await agent.get('/')).headers['permissions-policy']).toBe('ch-ua=(), ch-ua-mobile=(), ch-ua-platform=()');
  });

  it('has no body: nothing but its Location for the browser to download (src/http/bare-redirect.ts)', async () => {
    const { agent } = await signedUpAgent(t);
    for (const res of [await agent.get('/login'), await request(t.app).get('/wallet'), await request(t.app).get('/wallet').set('Accept', 'application/json')]) {
      expect(res.status).toBe(303);
      expect(res.headers['content-length']).toBe('0');
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.text ?? '').toBe('');
    }
    expect((await request(t.app).get('/wallet')).headers.location).toMatch(/^\/login/);
  });
});
