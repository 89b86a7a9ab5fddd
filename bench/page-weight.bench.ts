/**
 * First-load weight of a page: the HTML plus every stylesheet and script it references, as a browser with
 * gzip would download them. Target: under 25 KB.
 */
import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { createTestApp } from '../test/helpers/app.js';

const PAGES = ['/', '/login', '/signup', '/rates'];

export async function pageWeightBench(): Promise<void> {
  const t = await createTestApp();
  try {
    for (const path of PAGES) {
      const page = await request(t.app).get(path).set('Accept-Encoding', 'gzip');
      const assets = [...page.text.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
      let total = wireBytes(page);
      const parts = [`html ${fmt(wireBytes(page))}`];
      for (const asset of assets) {
        const res = await request(t.app).get(asset).set('Accept-Encoding', 'gzip');
        total += wireBytes(res);
        parts.push(`${asset.split('?')[0]} ${fmt(wireBytes(res))}`);
      }
      console.log(`page weight ${path}: ${fmt(total)} compressed (${parts.join(', ')}) target < 25 KB ${total < 25 * 1024 ? 'OK' : 'MISSED'}`);
    }
  } finally {
    await t.close();
  }
}

/** supertest decompresses bodies; recompressing at the server's default level gives the bytes on the wire. */
function wireBytes(res: { text?: string; body?: unknown; headers: Record<string, string> }): number {
  const body = res.text ?? '';
  return res.headers['content-encoding'] === 'gzip' ? gzipSync(body).length : Buffer.byteLength(body);
}

function fmt(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.url === `file://${process.argv[1]}`) await pageWeightBench();
