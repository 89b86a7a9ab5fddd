import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('http basics', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(t.app).get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('says /readyz is not ready when the database is gone', async () => {
    await t.testDb.db.destroy();
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(503);
  });

  it('serves a friendly 404 page inside the layout, without internals', async () => {
    const res = await request(t.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page not found');
    expect(res.text).toContain('<nav');
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('sends a strict Content-Security-Policy with no inline anything', async () => {
    const res = await request(t.app).get('/login');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle="/);
    expect(res.text).not.toMatch(/<style/);
  });

  it('serves htmx 2.0 from node_modules and the stylesheet with long-lived caching and compression', async () => {
    const page = await request(t.app).get('/');
    // htmx comes first in /static/app.js, with our own small scripts after it.
    const htmx = /src="(\/static\/app\.js\?v=[^"]+)"/.exec(page.text)?.[1];
    const css = /href="(\/static\/app\.css\?v=[^"]+)"/.exec(page.text)?.[1];
    expect(htmx).toBeTruthy();
    expect(css).toBeTruthy();
    const js = await request(t.app).get(htmx!).set('Accept-Encoding', 'gzip');
    expect(js.status).toBe(200);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['cache-control']).toContain('max-age=31536000');
    expect(js.text).toContain('2.0.');
    const style = await request(t.app).get(css!);
    expect(style.headers['content-type']).toContain('text/css');
  });

  it('adds a request id to every response, keeping a sane one from the caller', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    const fresh = await request(t.app).get('/healthz').set('X-Request-Id', '<script>');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('configures htmx so it needs neither eval nor inline styles, in the cached script right after htmx', async () => {
    const res = await request(t.app).get('/signup');
    expect(res.text).not.toContain('htmx-config');
    const url = /src="(\/static\/app\.js\?v=[^"]+)"/.exec(res.text)![1]!;
    const script = (await request(t.app).get(url)).text;
    // htmx first (it defines the global), then the settings, applied before the document is ready.
    const settings = /includeIndicatorStyles:false,allowEval:false,allowScriptTags:false,selfRequestsOnly:true/.exec(script);
    expect(settings).not.toBeNull();
    expect(script.indexOf('var htmx')).toBeGreaterThanOrEqual(0);
    expect(settings!.index).toBeGreaterThan(script.indexOf('var htmx'));
    expect(script).toContain("htmx.config[name]=settings[name]");
  });
});
