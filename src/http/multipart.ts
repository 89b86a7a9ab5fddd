import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { HttpError } from './errors.js';

export interface Upload {
  /** Text fields other than the file (the first value of each; repeats are ignored). */
  fields: Record<string, string>;
  /** The file, streamed to a temporary path; undefined when none was chosen. */
  file: { path: string; name: string; bytes: number } | undefined;
  /** Deletes the temporary file. */
  discard(): Promise<void>;
}

export interface UploadOptions {
  fileField: string;
  maxBytes: number;
  /** Called with the text fields seen before the file starts: throw to refuse the upload (e.g. a bad CSRF token). */
  beforeFile?: (fields: Record<string, string>) => void;
}

/**
 * Streams one multipart upload to a temporary file (never held in memory), with limits on its size and on the
 * other fields. A file over the limit is refused with 413 and removed.
 */
export async function receiveUpload(req: Request, options: UploadOptions): Promise<Upload> {
  const dir = await mkdtemp(join(tmpdir(), 'callbridge-upload-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    const upload = await new Promise<Omit<Upload, 'discard'>>((resolve, reject) => {
      const fields: Record<string, string> = {};
      let file: Upload['file'];
      let writing: Promise<void> | undefined;
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(parser);
        req.resume();
        reject(err);
      };
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: options.maxBytes, fields: 20, fieldSize: 2000, parts: 22 } });
      } catch {
        return reject(new HttpError(400, 'The upload could not be read: send it from the form.'));
      }
      parser.on('field', (name, value) => {
        if (!(name in fields)) fields[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        if (name !== options.fileField || file) return stream.resume();
        try {
          options.beforeFile?.(fields);
        } catch (err) {
          stream.resume();
          return fail(err);
        }
        const path = join(dir, 'upload');
        const current = { path, name: info.filename ?? 'upload', bytes: 0 };
        file = current;
        stream.on('data', (chunk: Buffer) => (current.bytes += chunk.length));
        stream.on('limit', () => fail(new HttpError(413, `The file is larger than ${Math.round(options.maxBytes / 1_000_000)} MB: split it, or remove columns and comments.`)));
        writing = pipeline(stream, createWriteStream(path));
        writing.catch(fail);
      });
      parser.on('error', () => fail(new HttpError(400, 'The upload was cut off or malformed. Try again.')));
      parser.on('close', () => {
        if (failed) return;
        Promise.resolve(writing).then(() => resolve({ fields, file: file && file.bytes > 0 ? file : undefined }), fail);
      });
      req.pipe(parser);
    });
    return { ...upload, discard };
  } catch (err) {
    await discard();
    throw err;
  }
}
