import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { publicDir } from '../paths.js';

const require = createRequire(import.meta.url);
const htmxFile = require.resolve('htmx.org/dist/htmx.min.js');

export interface AssetUrls {
  css: string;
  htmx: string;
  /** The dial page's dial pad (progressive enhancement). */
  dial: string;
  /** Ticks the connected-call clock between status polls. */
  callClock: string;
}

/** Content hashes in the URLs let browsers cache assets for a year and still see every change. */
export function staticAssets(): { router: Router; urls: AssetUrls } {
  const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10);
  const urls: AssetUrls = {
    css: `/static/app.css?v=${hash(join(publicDir, 'app.css'))}`,
    htmx: `/static/htmx.min.js?v=${hash(htmxFile)}`,
    dial: `/static/dial.js?v=${hash(join(publicDir, 'dial.js'))}`,
    callClock: `/static/call-clock.js?v=${hash(join(publicDir, 'call-clock.js'))}`,
  };
  const longCache = { maxAge: '365d', immutable: true, index: false, fallthrough: true } as const;
  const router = express.Router();
  router.get('/static/htmx.min.js', (_req, res) => res.sendFile(htmxFile, longCache));
  router.use('/static', express.static(publicDir, longCache));
  return { router, urls };
}
