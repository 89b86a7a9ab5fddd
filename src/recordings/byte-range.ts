/**
 * HTTP Range for one resource of `size` bytes (RFC 9110 §14): a single bytes range, including open-ended ("500-")
 * and suffix ("-500") forms. Pure.
 */
export type RangeAnswer =
  /** No Range header, or one we ignore (another unit, several ranges): send the whole file with 200. */
  | { kind: 'whole' }
  | { kind: 'partial'; start: number; end: number }
  /** 416 with Content-Range: bytes * /size. */
  | { kind: 'unsatisfiable' };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE.exec(header.trim());
  // Multipart byteranges are not served: a server may ignore a Range header it does not support.
  if (!match) return header.trim().startsWith('bytes=') && !header.includes(',') ? { kind: 'unsatisfiable' } : { kind: 'whole' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'unsatisfiable' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(end) || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
