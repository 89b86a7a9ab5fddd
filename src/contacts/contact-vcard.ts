import type { ExportContact, InvalidLine, ParsedFile, RawContact, RawNumber } from './contact-file.js';
import { MAX_NUMBERS } from './contact-text.js';

/**
 * vCard 3.0 (RFC 2426, what Apple Contacts and Google export) and 4.0 (RFC 6350): FN or N, ORG, NOTE, TEL with its
 * TYPE or Apple's itemN.X-ABLabel, CATEGORIES for favourites. Pure: text in, contacts and named bad cards out.
 */

const MAX_CARDS = 20_000;

interface Property {
  group: string;
  name: string;
  params: Record<string, string[]>;
  value: string;
}

/** Unfolds continuation lines (CRLF + space or tab), keeping each logical line's first physical line number. */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const out: Array<{ line: number; text: string }> = [];
  physical.forEach((raw, i) => {
    const last = out[out.length - 1];
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last) last.text += raw.slice(1);
    else out.push({ line: i + 1, text: raw });
  });
  return out;
}

/** Splits on an unescaped separator (commas in TYPE lists, semicolons in N and ORG). */
function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unescapeText(value: string): string {
  return value.replace(/\\([nN,;:\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r\n|\r|\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

function parseProperty(text: string): Property | undefined {
  // The value starts after the first colon outside a quoted parameter value.
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return undefined;
  const [nameWithGroup = '', ...paramTexts] = text.slice(0, colon).split(';');
  const dot = nameWithGroup.lastIndexOf('.');
  const params: Record<string, string[]> = {};
  for (const p of paramTexts) {
    const eq = p.indexOf('=');
    // vCard 2.1 style bare parameters ("TEL;CELL:") are types.
    const key = eq < 0 ? 'TYPE' : p.slice(0, eq).toUpperCase();
    const raw = eq < 0 ? p : p.slice(eq + 1);
    const values = raw.split(',').map((v) => v.replace(/^"|"$/g, '').trim()).filter(Boolean);
    params[key] = [...(params[key] ?? []), ...values];
  }
  return { group: dot >= 0 ? nameWithGroup.slice(0, dot).toLowerCase() : '', name: nameWithGroup.slice(dot + 1).toUpperCase(), params, value: text.slice(colon + 1) };
}

/** The label a TEL's TYPE list says, most specific first; PREF and VOICE say nothing a person reads. */
function telLabel(types: string[]): string {
  const t = types.map((x) => x.toLowerCase());
  if (t.includes('cell') || t.includes('iphone')) return 'mobile';
  if (t.includes('fax')) return 'fax';
  for (const known of ['home', 'work', 'main', 'pager', 'other']) if (t.includes(known)) return known;
  return t.find((x) => !['voice', 'pref', 'text', 'msg', 'internet', 'x-'].includes(x) && !x.startsWith('x-')) ?? '';
}

function telValue(value: string): string {
  return value.replace(/^tel:/i, '').replace(/;ext=.*$/i, '').trim();
}

function cardOf(props: Property[], line: number): RawContact | InvalidLine {
  const first = (name: string) => props.find((p) => p.name === name);
  const groupLabels = new Map(props.filter((p) => p.name === 'X-ABLABEL' && p.group).map((p) => [p.group, unescapeText(p.value).replace(/^_\$!<(.*)>!\$_$/, '$1')]));
  let name = unescapeText(first('FN')?.value ?? '').trim();
  if (!name) {
    const [family = '', given = '', additional = '', prefix = '', suffix = ''] = splitUnescaped(first('N')?.value ?? '', ';').map(unescapeText);
    name = [prefix, given, additional, family, suffix].map((s) => s.trim()).filter(Boolean).join(' ');
  }
  const company = unescapeText(splitUnescaped(first('ORG')?.value ?? '', ';')[0] ?? '').trim();
  if (!name) name = company;
  const notes = unescapeText(first('NOTE')?.value ?? '').trim();
  const numbers: RawNumber[] = props
    .filter((p) => p.name === 'TEL')
    .map((p) => ({ label: groupLabels.get(p.group) ?? telLabel(p.params.TYPE ?? []), value: telValue(p.value) }))
    .filter((n) => n.value !== '');
  const categories = props.filter((p) => p.name === 'CATEGORIES').flatMap((p) => splitUnescaped(p.value, ',').map((c) => unescapeText(c).trim().toLowerCase()));
  if (!name && numbers.length === 0) return { line, reason: 'This card has no name and no phone number.' };
  if (numbers.length === 0) return { line, reason: `“${name}” has no phone number.` };
  if (numbers.length > MAX_NUMBERS) return { line, reason: `“${name}” has ${numbers.length} numbers; a contact keeps at most ${MAX_NUMBERS}.` };
  return { line, name, company, notes, favourite: categories.some((c) => /^(starred|favou?rites?)$/.test(c)), numbers };
}

export function parseVcards(text: string): ParsedFile {
  const contacts: RawContact[] = [];
  const invalid: InvalidLine[] = [];
  let open: { line: number; props: Property[] } | undefined;
  for (const { line, text: content } of logicalLines(text)) {
    if (!content.trim()) continue;
    if (contacts.length + invalid.length >= MAX_CARDS) break;
    const prop = parseProperty(content);
    if (prop?.name === 'BEGIN' && prop.value.trim().toUpperCase() === 'VCARD') {
      if (open) invalid.push({ line: open.line, reason: 'This card has no END:VCARD before the next card.' });
      open = { line, props: [] };
    } else if (prop?.name === 'END' && prop.value.trim().toUpperCase() === 'VCARD') {
      if (!open) invalid.push({ line, reason: 'END:VCARD without a BEGIN:VCARD.' });
      else {
        const card = cardOf(open.props, open.line);
        if ('reason' in card) invalid.push(card);
        else contacts.push(card);
      }
      open = undefined;
    } else if (!open) {
      invalid.push({ line, reason: 'Text outside a BEGIN:VCARD … END:VCARD card.' });
    } else if (!prop) {
      invalid.push({ line, reason: 'This line is not a vCard property ("NAME:value").' });
    } else open.props.push(prop);
  }
  if (open) invalid.push({ line: open.line, reason: 'This card has no END:VCARD.' });
  return { format: 'vcard', contacts, invalid };
}

/** Folds a content line at 75 octets-ish (characters here; RFC readers accept shorter). */
function fold(line: string): string {
  const chars = [...line];
  if (chars.length <= 75) return line;
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += i === 0 ? 75 : 74) parts.push(chars.slice(i, i + (i === 0 ? 75 : 74)).join(''));
  return parts.join('\r\n ');
}

const TYPE_OF_LABEL: Record<string, string> = { mobile: 'CELL', home: 'HOME', work: 'WORK', main: 'MAIN', fax: 'FAX', pager: 'PAGER', other: 'OTHER' };

export function vcards(contacts: readonly ExportContact[], version: '3.0' | '4.0'): string {
  const out: string[] = [];
  for (const c of contacts) {
    const lines = ['BEGIN:VCARD', `VERSION:${version}`, `FN:${escapeText(c.name)}`, `N:${escapeText(c.name)};;;;`];
    if (c.company) lines.push(`ORG:${escapeText(c.company)}`);
    if (c.notes) lines.push(`NOTE:${escapeText(c.notes)}`);
    if (c.favourite) lines.push('CATEGORIES:Favourites');
    c.numbers.forEach((n, i) => {
      const known = TYPE_OF_LABEL[n.label];
      const group = `item${i + 1}`;
      if (version === '4.0') lines.push(`${group}.TEL;VALUE=uri${known ? `;TYPE=${known.toLowerCase()}` : ''}:tel:${n.e164}`);
      else lines.push(`${group}.TEL${known ? `;TYPE=${known}` : ''}:${n.e164}`);
      // A label that is not one of vCard's types travels as Apple's item label, which Apple and our importer read.
      if (!known && n.label) lines.push(`${group}.X-ABLabel:${escapeText(n.label)}`);
    });
    lines.push('END:VCARD');
    out.push(...lines.map(fold));
  }
  return out.length ? `${out.join('\r\n')}\r\n` : '';
}
