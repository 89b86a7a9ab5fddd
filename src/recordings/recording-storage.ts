import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where recording files live. One small interface so an object store (S3 and the like: put, ranged get, delete,
 * head) can replace the folder without touching the rest of the feature.
 */
export interface RecordingStorage {
  /** Writes the whole file under `key`, atomically: a reader sees the old file, the new one, or none. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Size in bytes, or null when there is no such file. */
  size(key: string): Promise<number | null>;
  /** The bytes from start to end inclusive (the whole file without a range). */
  read(key: string, range?: { start: number; end: number }): Readable;
  /** Removes the file; removing a missing file is not an error. */
  remove(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_.-]+)*$/;

/** A folder on disk (RECORDINGS_DIR). */
export function folderStorage(dir: string): RecordingStorage {
  const root = resolve(dir);
  const pathOf = (key: string) => {
    const full = resolve(join(root, key));
    // Keys are built by us, but a key must never reach outside the folder.
    if (!SAFE_KEY.test(key) || key.includes('..') || !full.startsWith(root + sep)) throw new Error(`invalid storage key ${key}`);
    return full;
  };
  return {
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.${Date.now()}.part`;
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    },
    async size(key) {
      try {
        return (await stat(pathOf(key))).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    read(key, range) {
      return createReadStream(pathOf(key), range ? { start: range.start, end: range.end } : {});
    },
    async remove(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
