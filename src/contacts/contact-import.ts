import { checkPhoneNumber, type AllowedNumberTypes } from '../rating/phone.js';
import type { InvalidLine, ParsedFile, RawContact } from './contact-file.js';
import { MAX_COMPANY, MAX_NAME, MAX_NOTES, normaliseLabel } from './contact-text.js';

/**
 * Turning a parsed file into changes: every number to E.164 (the dial page's parser), then each contact either added
 * or merged into the contact that already has one of its numbers (in the book, or earlier in the same file).
 * Pure: the caller passes the book's numbers and applies the plan in one transaction.
 */

export interface PlannedNumber {
  label: string;
  e164: string;
}

export interface NewContact {
  line: number;
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: PlannedNumber[];
}

export interface Merge {
  line: number;
  /** The contact in the book the file's contact joins. */
  contactId: number;
  name: string;
  /** Numbers it did not have yet (none when the file only repeats what the book has). */
  numbers: PlannedNumber[];
  company: string;
  notes: string;
  favourite: boolean;
}

export interface ImportPlan {
  added: NewContact[];
  merged: Merge[];
  invalid: InvalidLine[];
}

/**
 * One number as typed in a file, checked as the dial page checks it (the number types an admin allowed included):
 * E.164, or why not.
 */
export function checkNumber(value: string, defaultCountry: string | undefined, allowed?: AllowedNumberTypes): { ok: true; e164: string } | { ok: false; message: string } {
  const check = checkPhoneNumber(value, defaultCountry, allowed);
  return check.ok ? { ok: true, e164: check.e164 } : { ok: false, message: check.message };
}

function clean(raw: RawContact): Omit<NewContact, 'numbers'> {
  return { line: raw.line, name: raw.name.trim().slice(0, MAX_NAME), company: raw.company.trim().slice(0, MAX_COMPANY), notes: raw.notes.trim().slice(0, MAX_NOTES), favourite: raw.favourite };
}

/**
 * bookNumbers: every E.164 number already in the book, with its contact id. A contact of the file whose numbers
 * touch several book contacts joins the first; numbers of the file that another book contact owns stay there.
 */
export function planImport(file: Pick<ParsedFile, 'contacts' | 'invalid'>, bookNumbers: ReadonlyMap<string, number>, defaultCountry: string | undefined, allowed?: AllowedNumberTypes): ImportPlan {
  const added: NewContact[] = [];
  const merged: Merge[] = [];
  const invalid: InvalidLine[] = [...file.invalid];
  /** Where each number lands: a book contact (id) or a contact added by this file (its index in added). */
  const owner = new Map<string, { book: number } | { added: number }>();
  for (const [e164, id] of bookNumbers) owner.set(e164, { book: id });
  const mergeByContact = new Map<number, Merge>();

  for (const raw of file.contacts) {
    const numbers: PlannedNumber[] = [];
    const bad: string[] = [];
    for (const n of raw.numbers) {
      const checked = checkNumber(n.value, defaultCountry, allowed);
      if (!checked.ok) bad.push(`${n.value} (${checked.message.replace(/\.$/, '')})`);
      else if (!numbers.some((x) => x.e164 === checked.e164)) numbers.push({ label: normaliseLabel(n.label), e164: checked.e164 });
    }
    const base = clean(raw);
    if (numbers.length === 0) {
      invalid.push({ line: raw.line, reason: `“${base.name || 'No name'}”: no number we can call: ${bad.join('; ')}.` });
      continue;
    }
    if (!base.name) {
      invalid.push({ line: raw.line, reason: `A contact with ${numbers[0]!.e164} has no name.` });
      continue;
    }
    if (bad.length) invalid.push({ line: raw.line, reason: `“${base.name}”: skipped ${bad.join('; ')}; the other numbers are imported.` });
    const target = numbers.map((n) => owner.get(n.e164)).find((o) => o !== undefined);
    const fresh = numbers.filter((n) => !owner.has(n.e164));
    if (!target) {
      added.push({ ...base, numbers });
      for (const n of numbers) owner.set(n.e164, { added: added.length - 1 });
    } else if ('added' in target) {
      const into = added[target.added]!;
      into.numbers.push(...fresh);
      into.company ||= base.company;
      into.notes ||= base.notes;
      into.favourite ||= base.favourite;
      for (const n of fresh) owner.set(n.e164, target);
    } else {
      const existing = mergeByContact.get(target.book);
      if (existing) {
        existing.numbers.push(...fresh);
        existing.company ||= base.company;
        existing.notes ||= base.notes;
        existing.favourite ||= base.favourite;
      } else {
        const merge = { line: raw.line, contactId: target.book, name: base.name, numbers: fresh, company: base.company, notes: base.notes, favourite: base.favourite };
        mergeByContact.set(target.book, merge);
        merged.push(merge);
      }
      for (const n of fresh) owner.set(n.e164, target);
    }
  }
  invalid.sort((a, b) => a.line - b.line);
  return { added, merged, invalid };
}
