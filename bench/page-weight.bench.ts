/**
 * First-load weight of the public pages (HTML plus every stylesheet and script), for a gzip-only browser and one that
 * accepts brotli. Target: under 25 KB.
 */
import request from 'supertest';
import { createTestApp } from '../test/helpers/app.js';
import { BROWSERS, firstLoad, kb, verdict } from './first-load.js';

const PAGES = ['/', '/login', '/signup', '/rates'];

export async function pageWeightBench(): Promise<void> {
  const t = await createTestApp();
  try {
    const get = (path: string, acceptEncoding: string) => request(t.app).get(path).set('Accept-Encoding', acceptEncoding);
    for (const path of PAGES) {
      for (const [browser, acceptEncoding] of Object.entries(BROWSERS)) {
        const { total, parts } = await firstLoad(get, path, acceptEncoding);
        console.log(`page weight ${path} (${browser}): ${kb(total)} on the wire (${parts.join(', ')}) ${verdict(total)}`);
      }
    }
  } finally {
    await t.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await pageWeightBench();
