import type { AllowedNumberTypes } from '../rating/phone.js';
import { checkNumber } from './contact-import.js';
import type { ContactInput } from './contacts-repository.js';
import { MAX_COMPANY, MAX_LABEL, MAX_NAME, MAX_NOTES, MAX_NUMBERS, normaliseLabel } from './contact-text.js';

/** The contact form and the API's body, as plain fields; numbers[i] pairs with labels[i]. */
export interface ContactFields {
  name: unknown;
  company: unknown;
  notes: unknown;
  favourite: unknown;
  numbers: unknown;
  labels: unknown;
}

export type FieldErrors = Record<string, string>;

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : '')) : typeof value === 'string' ? [value] : []);

/**
 * Checks a contact as typed: a name, at most 10 numbers each valid and callable (the dial page's parser, with the
 * user's country for national numbers), no number twice. Errors are keyed by field: name, company, notes, number-N.
 * Pure.
 */
export function parseContactFields(fields: ContactFields, defaultCountry: string | undefined, allowed?: AllowedNumberTypes): { ok: true; input: ContactInput; rows: number[] } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const name = text(fields.name);
  const company = text(fields.company);
  const notes = typeof fields.notes === 'string' ? fields.notes.replace(/\r\n/g, '\n').trim() : '';
  if (!name) errors.name = 'Enter a name.';
  else if (name.length > MAX_NAME) errors.name = `Keep the name to ${MAX_NAME} characters.`;
  if (company.length > MAX_COMPANY) errors.company = `Keep the company to ${MAX_COMPANY} characters.`;
  if (notes.length > MAX_NOTES) errors.notes = `Keep the notes to ${MAX_NOTES} characters.`;
  const values = list(fields.numbers);
  const labels = list(fields.labels);
  const numbers: ContactInput['numbers'] = [];
  /** The form row each accepted number came from, so a later error (a number another contact has) names its row. */
  const rows: number[] = [];
  values.forEach((value, i) => {
    if (!value.trim()) return;
    if (value.length > 40) return void (errors[`number-${i}`] = 'This number is too long.');
    const label = (labels[i] ?? '').trim();
    if (label.length > MAX_LABEL) return void (errors[`number-${i}`] = `Keep the label to ${MAX_LABEL} characters.`);
    const checked = checkNumber(value, defaultCountry, allowed);
    if (!checked.ok) return void (errors[`number-${i}`] = checked.message);
    if (numbers.some((n) => n.e164 === checked.e164)) return void (errors[`number-${i}`] = 'This number is already in this contact.');
    numbers.push({ label: normaliseLabel(label), e164: checked.e164 });
    rows.push(i);
  });
  if (numbers.length === 0 && !Object.keys(errors).some((k) => k.startsWith('number-'))) errors['number-0'] = 'Enter at least one phone number.';
  if (numbers.length > MAX_NUMBERS) errors['number-0'] = `A contact keeps at most ${MAX_NUMBERS} numbers.`;
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, input: { name, company, notes, favourite: fields.favourite === true || fields.favourite === '1' || fields.favourite === 'on', numbers }, rows };
}
