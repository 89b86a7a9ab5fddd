import compression from 'compression';
import type { RequestHandler } from 'express';
import { constants as zlibConstants } from 'node:zlib';

/**
 * Brotli quality for pages compressed as they are sent: the middleware's default (4) comes out larger than gzip for
 * the dial page's country list, and the top qualities cost too much time per page (bench/ measures both). Hot paths
 * (status polls, webhooks) are mounted before this and never compressed.
 */
export const PAGE_BROTLI_QUALITY = 5;

export function compressResponses(): RequestHandler {
  return compression({ brotli: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: PAGE_BROTLI_QUALITY } } });
}
