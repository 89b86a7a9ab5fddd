/**
 * First-load weight of a page: its HTML plus every stylesheet and script it references, in bytes on the wire, for a
 * browser that accepts gzip only and for one that also accepts brotli (every current browser over HTTPS).
 */
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { PAGE_BROTLI_QUALITY } from '../src/http/compress-responses.js';

interface Fetched {
  text?: string;
  headers: Record<string, string>;
}

export const BROWSERS = { gzip: 'gzip, deflate', brotli: 'gzip, deflate, br, zstd' } as const;
export const TARGET_BYTES = 25 * 1024;

/** Fetches a path with the given Accept-Encoding (a supertest agent keeps the log-in cookie). */
export type Get = (path: string, acceptEncoding: string) => Promise<Fetched>;

export async function firstLoad(get: Get, path: string, acceptEncoding: string): Promise<{ page: Fetched; total: number; parts: string[] }> {
  const page = await get(path, acceptEncoding);
  const assets = [...(page.text ?? '').matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((m) => m[1]!);
  let total = wireBytes(page);
  const parts = [`html ${kb(wireBytes(page))}`];
  for (const asset of assets) {
    const res = await get(asset, acceptEncoding);
    total += wireBytes(res);
    parts.push(`${asset.split('?')[0]} ${kb(wireBytes(res))}`);
  }
  return { page, total, parts };
}

/**
 * supertest decodes bodies. A fixed-size encoded response states its size; a streamed one (pages, through the
 * compression middleware) is recompressed at that middleware's settings (gzip level 6, PAGE_BROTLI_QUALITY).
 */
export function wireBytes(res: Fetched): number {
  const encoding = res.headers['content-encoding'];
  const length = Number(res.headers['content-length']);
  if (encoding && Number.isFinite(length)) return length;
  const body = res.text ?? '';
  if (encoding === 'gzip') return gzipSync(body).length;
  if (encoding === 'br') return brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: PAGE_BROTLI_QUALITY } }).length;
  return Buffer.byteLength(body);
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function verdict(total: number): string {
  return `target < 25 KB ${total < TARGET_BYTES ? 'OK' : 'MISSED'}`;
}
