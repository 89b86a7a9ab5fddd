import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';
import { publicDir } from '../paths.js';
import { minifyCss, minifyScript } from './minify-assets.js';

const require = createRequire(import.meta.url);
const htmxFile = require.resolve('htmx.org/dist/htmx.min.js');

export interface AssetUrls {
  favicon: string;
  css: string;
  /** The stylesheet of every page but the dial page (tables, history, wallet, admin...), linked after css. */
  pagesCss: string;
  /**
   * htmx and our own small scripts in one file (one request on a slow link): the connected-call clock, asking for the
   * call status again after a long poll's 204, and the dial page's pad and address (each does nothing on a page without
   * its elements).
   */
  app: string;
  /** Copy buttons for a secret shown once (a new API token); only the page that shows one links it. */
  copy: string;
}

/** The bytes of one asset in every encoding it is served in. */
interface EncodedAsset {
  hash: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

const LONG_CACHE = 'public, max-age=31536000, immutable';
const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/**
 * Each asset compressed once, by content hash, at the strongest settings (gzip level 9, brotli quality 11): too slow
 * to run per request, and PAGE_BROTLI_QUALITY, what the compression middleware uses for pages, comes out larger.
 * Keyed by content, the work is done once per process however many apps (tests build one each) are created; it runs
 * on libuv's threads.
 */
const encodedByHash = new Map<string, Promise<EncodedAsset>>();

function encodeOnce(identity: Buffer, hash: string): Promise<EncodedAsset> {
  let encoded = encodedByHash.get(hash);
  if (!encoded) {
    encoded = Promise.all([
      compressGzip(identity, { level: 9 }),
      compressBrotli(identity, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
    ]).then(([gzipped, brotli]) => ({ hash, identity, gzip: gzipped, br: brotli }));
    encodedByHash.set(hash, encoded);
  }
  return encoded;
}

interface AssetSource {
  /** Served at /static/<name>. */
  name: string;
  /** Its files, joined in this order; each minified where that is safe (src/http/minify-assets.ts). */
  parts: Array<{ file: string; minify?: (source: string) => string }>;
}

const ours = (file: string, minify?: (source: string) => string) => ({ file: join(publicDir, file), ...(minify ? { minify } : {}) });

/** Where each fingerprinted asset comes from. */
const SOURCES: Record<keyof AssetUrls, AssetSource> = {
  favicon: { name: 'favicon.svg', parts: [ours('favicon.svg')] },
  css: { name: 'app.css', parts: [ours('app.css', minifyCss)] },
  pagesCss: { name: 'pages.css', parts: [ours('pages.css', minifyCss)] },
  // htmx first (our scripts use it), then ours: one request and one compressed stream instead of two on a slow link.
  app: { name: 'app.js', parts: [{ file: htmxFile }, ...['htmx-config.js', 'call-clock.js', 'call-wait.js', 'dial.js'].map((f) => ours(f, minifyScript))] },
  copy: { name: 'copy.js', parts: [ours('copy.js', minifyScript)] },
};

/** An asset's bytes as served. */
export function assetBytes(name: keyof AssetUrls): Buffer {
  const texts = SOURCES[name].parts.map(({ file, minify }) => (minify ? Buffer.from(minify(readFileSync(file, 'utf8'))) : readFileSync(file)));
  return texts.length === 1 ? texts[0]! : Buffer.concat(texts.flatMap((t, i) => (i === 0 ? [t] : [Buffer.from('\n'), t])));
}

/** Content hashes in the URLs let browsers cache assets for a year and still see every change. */
export function staticAssets(): { router: Router; urls: AssetUrls } {
  const router = express.Router();
  const urls = {} as AssetUrls;
  for (const [name, source] of Object.entries(SOURCES) as [keyof AssetUrls, AssetSource][]) {
    const path = `/static/${source.name}`;
    const identity = assetBytes(name);
    const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
    urls[name] = `${path}?v=${hash}`;
    const encoded = encodeOnce(identity, hash);
    // A failed compression is reported by the request that awaits it; this keeps it from being "unhandled" first.
    encoded.catch(() => undefined);
    router.get(path, async (req, res) => sendEncoded(req, res, path, await encoded));
  }
  // Pages link the icon; this answers what browsers and tools ask for on their own, and Agendash's page.
  router.get('/favicon.ico', (_req, res) => res.redirect(301, urls.favicon));
  router.use('/static', express.static(publicDir, { maxAge: '365d', immutable: true, index: false, fallthrough: true }));
  return { router, urls };
}


/**
 * Brotli if the client accepts it at all, else gzip, else the file as stored. Browsers list gzip before br, so
 * Express's acceptsEncodings (which breaks ties by the header's order) would never pick the smaller one.
 */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const acceptable = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (acceptable('br')) return 'br';
  if (acceptable('gzip')) return 'gzip';
  return 'identity';
}

function sendEncoded(req: Request, res: Response, path: string, asset: EncodedAsset): void {
  const encoding = chooseEncoding(req.get('accept-encoding'));
  res.type(extname(path));
  res.set({ 'Cache-Control': LONG_CACHE, Vary: 'Accept-Encoding' });
  if (encoding === 'br' || encoding === 'gzip') {
    // The compression middleware leaves a response that already has an encoding alone.
    res.set({ 'Content-Encoding': encoding, ETag: `"${asset.hash}-${encoding}"` });
    res.send(asset[encoding]);
    return;
  }
  res.set('ETag', `"${asset.hash}"`);
  res.send(asset.identity);
}
