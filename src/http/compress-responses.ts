import compression from 'compression';
import type { RequestHandler } from 'express';
import { constants as zlibConstants } from 'node:zlib';

/**
 * Brotli quality for pages compressed as they are sent: the middleware's default (4) comes out larger than gzip for
 * the dial page's country list, and the top qualities cost too much time per page (bench/ measures both). Hot paths
 * (status polls, webhooks) are mounted before this and never compressed.
 */
export const PAGE_BROTLI_QUALITY = 5;

/**
 * Bodies from this size are compressed. The middleware's default (1 KB) left most htmx fragments (the call status
 * after a click, previews) as sent; at a few hundred bytes compression already pays, and on a slow link that is time
 * the user waits. Below it the encoding's own overhead eats the gain.
 */
export const COMPRESS_FROM_BYTES = 256;

export function compressResponses(): RequestHandler {
  return compression({ threshold: COMPRESS_FROM_BYTES, brotli: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: PAGE_BROTLI_QUALITY } } });
}
