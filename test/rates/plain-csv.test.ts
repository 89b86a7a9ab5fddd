import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { plainCsvRecords } from '../../src/rates/plain-csv.js';

/** csv-parse with the options parse-deck.ts gives it: what the fast path must reproduce exactly. */
function csvParseRecords(text: string, delimiter: string): string[][] {
  return parse(text, { bom: true, delimiter, comment: '#', comment_no_infix: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
}

const cellChars = fc.constantFrom('a', 'Z', '1', '0', '.', ' ', '#', '+', "'", 'é', '=', '-', ',', ';');
const cell = fc.array(cellChars, { maxLength: 6 }).map((chars) => chars.join(''));
const line = fc.oneof(
  fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => cells.join(',')),
  fc.constant(''),
  fc.constant('# a comment, with commas'),
);

describe('plain CSV fast path', () => {
  it('reads exactly the records csv-parse reads, for LF and CRLF files, with or without BOM and last line end', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(',', ';'), (lines, crlf, bom, trailing, delimiter) => {
        const end = crlf ? '\r\n' : '\n';
        const text = (bom ? '\uFEFF' : '') + lines.join(end) + (trailing ? end : '');
        const plain = plainCsvRecords(text, delimiter, 1000);
        expect(plain).toBeDefined();
        expect([...plain!]).toEqual(csvParseRecords(text, delimiter));
      }),
    );
  });

  it('leaves quoted, lone-CR, mixed line-end and over-long files to csv-parse', () => {
    expect(plainCsvRecords('a,"b,c"\n', ',', 1000)).toBeUndefined();
    expect(plainCsvRecords('a,b\rc,d\r', ',', 1000)).toBeUndefined();
    expect(plainCsvRecords('a,b\r\nc,d\ne,f\r\n', ',', 1000)).toBeUndefined();
    expect(plainCsvRecords(`a,${'x'.repeat(2000)}\n`, ',', 1000)).toBeUndefined();
  });
});
