import { unguardCsvCell } from '../shared/csv.js';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import type { Rate } from '../rating/rate.js';
import type { DeckError } from './deck-errors.js';
import { plainCsvRecords } from './plain-csv.js';
import { DECK_COLUMNS, RowErrors, columnPositions, parseDeckRow, type ColumnPositions } from './deck-format.js';
import { TWILIO_COLUMNS, TWILIO_HEADER, parseTwilioRow, twilioRowsToRates, type TwilioRow } from './twilio-price-list.js';

export type DeckSource = { path: string } | { text: string | Buffer };
export type DeckFormat = 'callbridge' | 'twilio';

export interface ParseOptions {
  /** Markup over Twilio's price for the sell price, as percent micros (parseMicros("30") = 30%). */
  twilioMarkupPercentMicros?: number;
  /** Stop collecting after this many problems: a file that bad needs fixing, not a longer list. */
  maxErrors?: number;
}

export type ParseResult = { ok: true; format: DeckFormat; rates: Rate[] } | { ok: false; errors: DeckError[]; truncated: boolean };

const PEEK_BYTES = 64 * 1024;
/** Real rows are under 1 KB; a longer "record" means the file is not a rate deck at all. */
const MAX_RECORD_BYTES = 16 * 1024;
/** Files up to this size are read whole, so a plain one can skip csv-parse (plain-csv.ts); larger ones stream. */
const PLAIN_READ_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Streams and validates a rate file (ours or Twilio's price list). Handles a UTF-8 BOM, CRLF line ends, `;` as
 * separator and `#` comment lines. Every row is checked; the rates come back only when the whole file is valid.
 *
 * Asking csv-parse for line numbers costs a third of its time, and only a refused file needs them, so the
 * first pass numbers records and a second pass, run only when there are errors, turns those into lines.
 */
export async function parseDeck(source: DeckSource, options: ParseOptions = {}): Promise<ParseResult> {
  const delimiter = detectDelimiter(await peek(source));
  const collector = new Collector(options.maxErrors ?? 100);
  const readOptions = { ...options, decimalComma: delimiter === ';' };
  const plain = await plainRecords(source, delimiter);
  if (plain) await readRecords(plain, collector, readOptions);
  else await readWithCsvParse(source, delimiter, collector, readOptions);
  if (collector.needsLines()) await collector.resolveLines(await recordLines(source, delimiter, collector.recordsToLocate()));
  return collector.result();
}

/** A small enough file without quotes, split without csv-parse; undefined otherwise. */
async function plainRecords(source: DeckSource, delimiter: string): Promise<Iterable<string[]> | undefined> {
  if ('path' in source && (await stat(source.path)).size > PLAIN_READ_MAX_BYTES) return undefined;
  const text = 'path' in source ? await readFile(source.path, 'utf8') : source.text.toString();
  // Bytes are at most three times the characters of a line (UTF-16 units); longer lines get csv-parse's error.
  return plainCsvRecords(text, delimiter, Math.floor(MAX_RECORD_BYTES / 3));
}

async function readWithCsvParse(source: DeckSource, delimiter: string, collector: Collector, options: ReadOptions): Promise<void> {
  const { input, parser } = openRecords(source, delimiter, false);
  try {
    await readRecords(parser as AsyncIterable<string[]>, collector, options);
  } catch (err) {
    collector.fatal((err as { lines?: number }).lines ?? 1, csvErrorMessage(err));
  } finally {
    input.destroy();
    parser.destroy();
  }
}

function openRecords(source: DeckSource, delimiter: string, info: boolean) {
  const input = 'path' in source ? createReadStream(source.path) : Readable.from([Buffer.from(source.text)]);
  const parser = input.pipe(
    parse({
      bom: true,
      delimiter,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      max_record_size: MAX_RECORD_BYTES,
      info,
    }),
  );
  return { input, parser };
}

/** Line (of its last physical line) of each wanted record number (1 = the header). */
async function recordLines(source: DeckSource, delimiter: string, wanted: Set<number>): Promise<Map<number, number>> {
  const lines = new Map<number, number>();
  const last = Math.max(...wanted);
  const { input, parser } = openRecords(source, delimiter, true);
  let ordinal = 0;
  try {
    for await (const { info } of parser as AsyncIterable<{ info: Info }>) {
      ordinal++;
      if (wanted.has(ordinal)) lines.set(ordinal, info.lines);
      if (ordinal >= last) break;
    }
  } catch {
    // The first pass already reported whatever broke the file; records before it keep their lines.
  } finally {
    input.destroy();
    parser.destroy();
  }
  return lines;
}

type ReadOptions = ParseOptions & { decimalComma: boolean };

async function readRecords(parser: AsyncIterable<string[]> | Iterable<string[]>, collector: Collector, options: ReadOptions): Promise<void> {
  const records = new RecordReader(collector, options);
  if (Symbol.iterator in parser) {
    // The plain path is synchronous: no await per record.
    for (const record of parser) if (!records.read(record)) return;
  } else {
    for await (const record of parser) if (!records.read(record)) return;
  }
  records.finish();
}

/** Reads the header, then each row; read() returns false once there is no point reading on. */
class RecordReader {
  private reader: RowReader | undefined;
  private ordinal = 0;
  constructor(
    private readonly collector: Collector,
    private readonly options: ReadOptions,
  ) {}
  read(record: string[]): boolean {
    this.ordinal++;
    if (!this.reader) {
      this.reader = headerReader(record, this.ordinal, this.collector, this.options);
      return this.reader !== undefined;
    }
    this.reader.read(record, this.ordinal);
    return !this.collector.full;
  }
  finish(): void {
    if (!this.reader) this.collector.fatal(1, `the file is empty: expected a header line such as ${DECK_COLUMNS.join(',')}`);
    else this.reader.finish();
  }
}

interface RowReader {
  read(record: string[], line: number): void;
  finish(): void;
}

function headerReader(header: string[], line: number, collector: Collector, options: ReadOptions): RowReader | undefined {
  const names = header.map((h) => h.trim().toLowerCase());
  if (sameColumns(names, TWILIO_COLUMNS)) return twilioReader(collector, options.twilioMarkupPercentMicros ?? 0);
  const missing = DECK_COLUMNS.filter((c) => !names.includes(c));
  const unknown = names.filter((n) => !(DECK_COLUMNS as readonly string[]).includes(n));
  if (missing.length || unknown.length || names.length !== DECK_COLUMNS.length) {
    const details = [missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unexpected ${unknown.slice(0, 5).map((u) => JSON.stringify(u.slice(0, 40))).join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    collector.atRecord(line, `wrong header (${details || 'duplicate columns'}): expected ${DECK_COLUMNS.join(',')} or Twilio's ${TWILIO_HEADER}`);
    return undefined;
  }
  return deckReader(columnPositions(names), names.length, collector, options.decimalComma);
}

function sameColumns(names: string[], expected: readonly string[]): boolean {
  return names.length === expected.length && expected.every((c, i) => names[i] === c);
}

function deckReader(positions: ColumnPositions, width: number, collector: Collector, decimalComma: boolean): RowReader {
  const seen = new Map<string, number>();
  return {
    read(record, line) {
      const errors = new RowErrors(line);
      if (record.length !== width) {
        errors.add(undefined, `expected ${width} columns, found ${record.length}`);
        return collector.row(errors, undefined);
      }
      // Our own export guards formula-like cells with an apostrophe (csvCell); reading them back removes it.
      const rate = parseDeckRow(record.map(unguardCsvCell), positions, errors, decimalComma);
      const first = seen.get(rate.prefix);
      if (first !== undefined && errors.errors.length === 0) errors.add('prefix', `duplicate prefix ${rate.prefix} (first on line ${recordRef(first)})`);
      else seen.set(rate.prefix, line);
      collector.row(errors, rate);
    },
    finish() {
      collector.requireRows();
    },
  };
}

function twilioReader(collector: Collector, markupPercentMicros: number): RowReader {
  const rows: TwilioRow[] = [];
  return {
    read(record, line) {
      const errors = new RowErrors(line);
      if (record.length !== TWILIO_COLUMNS.length) errors.add(undefined, `expected ${TWILIO_COLUMNS.length} columns, found ${record.length}`);
      else rows.push(parseTwilioRow(record, errors));
      collector.row(errors, undefined);
    },
    finish() {
      collector.requireRows();
      collector.format = 'twilio';
      collector.rates = twilioRowsToRates(rows, markupPercentMicros);
    },
  };
}

/** Until lines are known, row errors carry record numbers, and messages refer to other records like this. */
const recordRef = (ordinal: number) => `<record ${ordinal}>`;
const recordRefPattern = /<record (\d+)>/g;

class Collector {
  /** Errors whose `line` is still a record number (1 = the header). */
  private readonly byRecord: DeckError[] = [];
  /** Errors whose `line` is a real line already (csv-parse reports those itself). */
  private readonly byLine: DeckError[] = [];
  rates: Rate[] = [];
  format: DeckFormat = 'callbridge';
  private rowCount = 0;
  constructor(private readonly maxErrors: number) {}

  get full(): boolean {
    return this.byRecord.length + this.byLine.length >= this.maxErrors;
  }
  row(errors: RowErrors, rate: Rate | undefined): void {
    this.rowCount++;
    if (errors.errors.length) this.byRecord.push(...errors.errors);
    else if (rate) this.rates.push(rate);
  }
  requireRows(): void {
    if (this.rowCount === 0) this.atRecord(1, 'no rates: the file has a header but no rows');
  }
  atRecord(ordinal: number, message: string): void {
    this.byRecord.push({ line: ordinal, message });
  }
  fatal(line: number, message: string): void {
    this.byLine.push({ line, message });
  }
  needsLines(): boolean {
    return this.byRecord.length > 0;
  }
  recordsToLocate(): Set<number> {
    const wanted = new Set<number>();
    for (const e of this.byRecord) {
      wanted.add(e.line);
      for (const [, n] of e.message.matchAll(recordRefPattern)) wanted.add(Number(n));
    }
    return wanted;
  }
  resolveLines(lines: Map<number, number>): void {
    const lineOf = (ordinal: number) => lines.get(ordinal) ?? ordinal;
    for (const e of this.byRecord) {
      e.line = lineOf(e.line);
      e.message = e.message.replace(recordRefPattern, (_, n: string) => String(lineOf(Number(n))));
    }
  }
  result(): ParseResult {
    const errors = [...this.byRecord, ...this.byLine].sort((a, b) => a.line - b.line);
    if (errors.length) return { ok: false, errors: errors.slice(0, this.maxErrors), truncated: this.full };
    return { ok: true, format: this.format, rates: this.rates };
  }
}

function csvErrorMessage(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'CSV_MAX_RECORD_SIZE') return `a record is longer than ${MAX_RECORD_BYTES} bytes: this is not a rate file`;
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_QUOTE_NOT_CLOSED') return `broken quoting: ${(err as Error).message}`;
  return `unreadable CSV: ${(err as Error).message}`;
}

async function peek(source: DeckSource): Promise<string> {
  if (!('path' in source)) return source.text.slice(0, PEEK_BYTES).toString();
  const file = await open(source.path, 'r');
  try {
    const buffer = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await file.read(buffer, 0, PEEK_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

/** `;` when the header line (the first line that is not a comment) has semicolons and no commas; else `,`. */
export function detectDelimiter(head: string): ',' | ';' {
  const lines = head.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}
