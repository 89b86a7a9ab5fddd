/**
 * The deck importer's fast path. A carrier's deck is almost always "plain" CSV: no quotes, one line per record.
 * Such a file needs none of csv-parse's state machine, and splitting its lines directly reads records several
 * times faster. Anything else (a quote anywhere, lone CR line ends, mixed line ends, an over-long line) is left to
 * csv-parse, which also reports the errors; test/rates/plain-csv.test.ts checks both give the same records.
 */

/**
 * The records of `text` as csv-parse reads them with the deck's options (bom, `#` comments at the start of a line,
 * empty lines skipped, no quotes), or undefined when the text is not plain and must go through csv-parse.
 * Records are produced one at a time, so a large file is never held as an array of rows.
 */
export function plainCsvRecords(text: string, delimiter: string, maxLineLength: number): Iterable<string[]> | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.includes('"')) return undefined;
  const crlf = body.includes('\r');
  // A CRLF file must use CRLF throughout (csv-parse settles on the first line end it meets).
  if (crlf && (/\r(?!\n)/.test(body) || /(^|[^\r])\n/.test(body))) return undefined;
  const lineEnd = crlf ? '\r\n' : '\n';
  if (longestLine(body, lineEnd) > maxLineLength) return undefined;
  return records(body, lineEnd, delimiter);
}

function longestLine(body: string, lineEnd: string): number {
  let longest = 0;
  for (let start = 0; start <= body.length; ) {
    const end = nextEnd(body, lineEnd, start);
    longest = Math.max(longest, end - start);
    start = end + lineEnd.length;
  }
  return longest;
}

function* records(body: string, lineEnd: string, delimiter: string): Generator<string[]> {
  for (let start = 0; start < body.length; ) {
    const end = nextEnd(body, lineEnd, start);
    const line = body.slice(start, end);
    start = end + lineEnd.length;
    if (line === '' || line.charCodeAt(0) === 0x23 /* # */) continue;
    yield line.split(delimiter);
  }
}

function nextEnd(body: string, lineEnd: string, from: number): number {
  const end = body.indexOf(lineEnd, from);
  return end === -1 ? body.length : end;
}
