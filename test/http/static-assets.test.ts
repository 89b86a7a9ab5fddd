import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { minifyCss, minifyScript } from '../../src/http/minify-assets.js';
import { assetBytes, chooseEncoding } from '../../src/http/static-assets.js';
import { publicDir } from '../../src/paths.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const require = createRequire(import.meta.url);
const htmx = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'));
const script = () => assetBytes('app');

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** The body as bytes. Supertest decodes gzip and brotli by the response's Content-Encoding, as a browser does. */
function raw(req: request.Test): request.Test {
  return req.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

/** The script every page links: htmx, then our own small scripts. */
async function htmxUrl(): Promise<string> {
  const page = await request(t.app).get('/signup');
  return /src="(\/static\/app\.js\?v=[0-9a-f]{10})"/.exec(page.text)![1]!;
}

describe('static assets', () => {
  it('sends brotli to a browser that accepts it, smaller than gzip, and the same bytes once decoded', async () => {
    const url = await htmxUrl();
    const br = await raw(request(t.app).get(url).set('Accept-Encoding', 'gzip, deflate, br, zstd'));
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((br.body as Buffer).equals(script())).toBe(true);
    expect((br.body as Buffer).subarray(0, htmx.length).equals(htmx)).toBe(true);

    const gz = await raw(request(t.app).get(url).set('Accept-Encoding', 'gzip, deflate'));
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect((gz.body as Buffer).equals(script())).toBe(true);
    // Content-Length is the size on the wire.
    expect(Number(br.headers['content-length'])).toBeLessThan(Number(gz.headers['content-length']));
    expect(Number(gz.headers['content-length'])).toBeLessThan(script().length / 2);
  });

  it('honours a refusal of brotli and sends the file as it is to a client that asks for no encoding', async () => {
    const url = await htmxUrl();
    const noBrotli = await raw(request(t.app).get(url).set('Accept-Encoding', 'br;q=0, gzip'));
    expect(noBrotli.headers['content-encoding']).toBe('gzip');
    const plain = await raw(request(t.app).get(url).set('Accept-Encoding', 'identity'));
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect((plain.body as Buffer).equals(script())).toBe(true);
  });

  it('answers a revalidation with 304 and a HEAD without a body, per encoding', async () => {
    const url = await htmxUrl();
    const first = await request(t.app).get(url).set('Accept-Encoding', 'br');
    const again = await request(t.app).get(url).set({ 'Accept-Encoding': 'br', 'If-None-Match': first.headers.etag! });
    expect(again.status).toBe(304);
    const otherEncoding = await request(t.app).get(url).set({ 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag! });
    expect(otherEncoding.status).toBe(200);
    const head = await raw(request(t.app).head(url).set('Accept-Encoding', 'br'));
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect((head.body as Buffer | undefined)?.length ?? 0).toBe(0);
  });

  it('serves every asset a page links, with its type, and the stylesheets and scripts minified', async () => {
    const page = await request(t.app).get('/signup');
    const css = /href="(\/static\/app\.css\?v=[^"]+)"/.exec(page.text)![1]!;
    const style = await raw(request(t.app).get(css).set('Accept-Encoding', 'br'));
    expect(style.headers['content-type']).toMatch(/^text\/css/);
    expect(style.headers['content-encoding']).toBe('br');
    expect((style.body as Buffer).toString('utf8')).toBe(minifyCss(readFileSync(join(publicDir, 'app.css'), 'utf8')));
    const pages = /href="(\/static\/pages\.css\?v=[^"]+)"/.exec(page.text)![1]!;
    expect((await request(t.app).get(pages)).text).toBe(assetBytes('pagesCss').toString('utf8'));
    const app = /src="(\/static\/app\.js\?v=[^"]+)"/.exec(page.text)![1]!;
    const bundle = await request(t.app).get(app);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    // The three small scripts, in order, each still valid JavaScript once its comments are gone.
    for (const file of ['call-clock.js', 'call-wait.js', 'dial.js']) {
      const minified = minifyScript(readFileSync(join(publicDir, file), 'utf8'));
      expect(() => new Function(minified)).not.toThrow();
      expect(bundle.text).toContain(minified);
    }
    // Files outside the fingerprinted set are still served (the simulator's and the jobs dashboard's stylesheets).
    const other = await request(t.app).get('/static/jobs-bar.css');
    expect(other.status).toBe(200);
  });
});

describe('choosing an encoding', () => {
  it('prefers brotli whatever the order, honours q=0 and wildcards, and sends the file as stored when none is named', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip, br;q=0.1')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('BR;Q=0, GZIP;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*, br;q=0')).toBe('gzip');
    expect(chooseEncoding('deflate')).toBe('identity');
    expect(chooseEncoding('gzip;q=0, br;q=0')).toBe('identity');
    expect(chooseEncoding('')).toBe('identity');
    expect(chooseEncoding(undefined)).toBe('identity');
  });
});

describe('minifying our assets', () => {
  it('drops CSS comments and spaces but keeps strings exactly', () => {
    expect(minifyCss('/* why */\n.a , .b > c {\n  content: " /min ,  x ";\n  color: red;\n}\n@media (max-width: 30rem) { .a { margin: 0 auto; } }'))
      .toBe('.a,.b>c{content:" /min ,  x ";color:red}@media (max-width:30rem){.a{margin:0 auto}}');
  });

  it('drops whole-line script comments, indentation and spaces next to punctuation, but not inside strings', () => {
    expect(minifyScript("// a note\n(function () {\n  'use strict';\n  var url = 'http://x, y = z'; // kept: not a whole line\n  if (a) { b(1, 2); }\n})();\n"))
      .toBe("(function(){\n'use strict';\nvar url='http://x, y = z';//kept:not a whole line\nif(a){b(1,2);}\n})();");
    // Operators lose their spaces, except + and - (a - -b is not a--b).
    expect(minifyScript("var c = a > 0 && !b ? a / 2 : a * 3 || 1;\nvar d = a - -b + +c;\n")).toBe("var c=a>0&&!b?a/2:a*3||1;\nvar d=a - -b + +c;");
  });
});
