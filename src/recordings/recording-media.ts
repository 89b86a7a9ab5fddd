import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { parseRange } from './byte-range.js';
import type { RecordingsService } from './recordings-service.js';

type Media = NonNullable<Awaited<ReturnType<RecordingsService['media']>>>;

/**
 * Sends a stored recording with HTTP Range support (206 + Content-Range, Accept-Ranges; the whole file with 200).
 * Returns 'unsatisfiable' without sending a body, with Content-Range: bytes * /size set, for the caller's own 416.
 */
export async function sendRecordingMedia(req: Request, res: Response, media: Media): Promise<'sent' | 'unsatisfiable'> {
  const { size } = media;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-store');
  const range = parseRange(req.get('range'), size);
  if (range.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    return 'unsatisfiable';
  }
  res.type('audio/wav');
  if (req.query.download === '1') res.attachment(`call-${media.recording.callId}.wav`);
  const part = range.kind === 'partial' ? range : { start: 0, end: size - 1 };
  if (range.kind === 'partial') res.status(206).setHeader('Content-Range', `bytes ${part.start}-${part.end}/${size}`);
  res.setHeader('Content-Length', String(size === 0 ? 0 : part.end - part.start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return 'sent';
  }
  await pipeline(media.read('', part), res);
  return 'sent';
}
