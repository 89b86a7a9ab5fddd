import { parse } from 'csv-parse/sync';
import { csvCell, unguardCsvCell } from '../shared/csv.js';
import type { ExportContact, InvalidLine, ParsedFile, RawContact, RawNumber } from './contact-file.js';
import { MAX_NUMBERS } from './contact-text.js';

/**
 * Contacts CSV, as Google Contacts exports it (both its current "First Name … Phone 1 - Label, Phone 1 - Value"
 * layout and the older "Name, Given Name … Phone 1 - Type" one), Outlook-style "Mobile Phone" columns, and our own
 * export (which is Google's layout, so it re-imports). Pure: text in, contacts and named bad lines out.
 */

const MAX_ROWS = 20_000;

interface Columns {
  name: number[];
  given: number[];
  additional: number[];
  family: number[];
  company: number[];
  notes: number[];
  groups: number[];
  /** Pairs of (label column or -1, value column). */
  phones: Array<{ label: number; value: number; fixedLabel: string }>;
}

function columnsOf(header: string[]): Columns {
  const h = header.map((c) => c.trim().toLowerCase());
  const find = (...names: string[]) => names.map((n) => h.indexOf(n)).filter((i) => i >= 0);
  const phones: Columns['phones'] = [];
  h.forEach((name, i) => {
    const numbered = /^phone (\d+) - value$/.exec(name);
    if (numbered) {
      const n = numbered[1];
      const label = h.findIndex((x) => x === `phone ${n} - label` || x === `phone ${n} - type`);
      phones.push({ label, value: i, fixedLabel: '' });
      return;
    }
    const outlook = /^((?:mobile|home|business|work|other|primary|car|company main)(?: \d)?) ?phone(?: \d)?$|^(phone|phone number|telephone|mobile|tel)$/.exec(name);
    if (outlook) phones.push({ label: -1, value: i, fixedLabel: (outlook[1] ?? (name === 'mobile' ? 'mobile' : '')).replace(/ \d$/, '').replace('business', 'work').replace('primary', 'main') });
  });
  return {
    name: find('name', 'full name', 'display name'),
    given: find('first name', 'given name'),
    additional: find('middle name', 'additional name'),
    family: find('last name', 'family name'),
    company: find('organization name', 'organization 1 - name', 'company', 'organisation'),
    notes: find('notes', 'note'),
    groups: find('labels', 'group membership', 'categories'),
    phones,
  };
}

const cell = (row: string[], indexes: number[]) => indexes.map((i) => unguardCsvCell((row[i] ?? '').trim())).find((v) => v !== '') ?? '';

function contactOf(row: string[], c: Columns, line: number): RawContact | InvalidLine {
  const joined = [cell(row, c.given), cell(row, c.additional), cell(row, c.family)].filter(Boolean).join(' ');
  const company = cell(row, c.company);
  const name = cell(row, c.name) || joined || company;
  const numbers: RawNumber[] = [];
  for (const phone of c.phones) {
    // Google puts several numbers of one label in one cell: "+1 555 0100 ::: +1 555 0101".
    const values = unguardCsvCell((row[phone.value] ?? '').trim()).split(':::').map((v) => v.trim()).filter(Boolean);
    const label = phone.label >= 0 ? (row[phone.label] ?? '').trim() : phone.fixedLabel;
    for (const value of values) numbers.push({ label, value });
  }
  if (!name && numbers.length === 0) return { line, reason: 'No name and no phone number.' };
  if (numbers.length === 0) return { line, reason: `“${name}” has no phone number.` };
  if (numbers.length > MAX_NUMBERS) return { line, reason: `“${name}” has ${numbers.length} numbers; a contact keeps at most ${MAX_NUMBERS}.` };
  const groups = cell(row, c.groups).toLowerCase();
  return { line, name, company, notes: cell(row, c.notes), favourite: /\b(starred|favou?rites?)\b/.test(groups), numbers };
}

export function parseContactsCsv(text: string): ParsedFile {
  let records: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, to: MAX_ROWS + 1 }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return { format: 'csv', contacts: [], invalid: [{ line, reason: `The file is not valid CSV here: ${(err as Error).message.replace(/^Invalid [^:]*: /, '')}` }] };
  }
  const [head, ...rows] = records;
  if (!head) return { format: 'csv', contacts: [], invalid: [{ line: 1, reason: 'The file is empty.' }] };
  const columns = columnsOf(head.record);
  if (columns.phones.length === 0) {
    return { format: 'csv', contacts: [], invalid: [{ line: 1, reason: 'The first line names no phone column (such as "Phone 1 - Value", "Phone" or "Mobile Phone").' }] };
  }
  const contacts: RawContact[] = [];
  const invalid: InvalidLine[] = [];
  const lines = lineCounter(text);
  let previousEnd = head.info.bytes;
  for (const { record, info } of rows) {
    const line = lines.startingAt(previousEnd);
    previousEnd = info.bytes;
    const found = contactOf(record, columns, line);
    if ('reason' in found) invalid.push(found);
    else contacts.push(found);
  }
  return { format: 'csv', contacts, invalid };
}

/**
 * The line a record starts on, from the byte offset where the previous one ended (csv-parse counts a CRLF inside a
 * quoted cell as two lines, so its own line count drifts on Google's CRLF files). Blank lines before it are skipped.
 */
function lineCounter(text: string) {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  let line = 1;
  return {
    startingAt(byte: number): number {
      let at = byte;
      while (at < bytes.length && (bytes[at] === 0x0d || bytes[at] === 0x0a)) at++;
      for (; offset < at && offset < bytes.length; offset++) {
        const b = bytes[offset];
        if (b === 0x0a || (b === 0x0d && bytes[offset + 1] !== 0x0a)) line++;
      }
      return line;
    },
  };
}


/** Google Contacts' layout (so Google, and our importer, read it back); cells guarded against spreadsheet formulas. */
export function contactsCsv(contacts: readonly ExportContact[]): string {
  const most = Math.max(1, ...contacts.map((c) => c.numbers.length));
  const phoneHeads = Array.from({ length: most }, (_, i) => [`Phone ${i + 1} - Label`, `Phone ${i + 1} - Value`]).flat();
  const lines = [['Name', 'Organization Name', 'Notes', 'Labels', ...phoneHeads].map(csvCell).join(',')];
  for (const c of contacts) {
    const phones = Array.from({ length: most }, (_, i) => [c.numbers[i]?.label ?? '', c.numbers[i]?.e164 ?? '']).flat();
    lines.push([c.name, c.company, c.notes, c.favourite ? '* starred' : '', ...phones].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
