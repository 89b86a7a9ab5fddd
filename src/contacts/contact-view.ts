import { checkPhoneNumber, flagEmoji, formatInternational } from '../rating/phone.js';
import type { Contact } from './contacts-repository.js';

/** A contact as pages show it: plain strings, and for each number the dial page's address prefilled with it. */
export interface ContactCard {
  id: number;
  href: string;
  name: string;
  company: string;
  notes: string;
  favourite: boolean;
  numbers: Array<{ label: string; e164: string; display: string; flag: string; callHref: string }>;
}

/** The dial page with the number typed and its country picked, so it shows the price as it does for typed digits. */
export function callHref(e164: string): string {
  const check = checkPhoneNumber(e164);
  const params = new URLSearchParams({ to: e164 });
  if (check.ok && check.country) params.set('country', check.country);
  return `/?${params.toString()}`;
}

export function contactCard(contact: Contact): ContactCard {
  return {
    id: contact.id,
    href: `/contacts/${contact.id}`,
    name: contact.name,
    company: contact.company,
    notes: contact.notes,
    favourite: contact.favourite,
    numbers: contact.numbers.map((n) => {
      const check = checkPhoneNumber(n.e164);
      return { label: n.label, e164: n.e164, display: formatInternational(n.e164), flag: check.ok && check.country ? flagEmoji(check.country) : '', callHref: callHref(n.e164) };
    }),
  };
}

/** The form's rows: the contact's numbers, then blank rows, at least three (more are added by saving). */
export function numberRows(values: { numbers: string[]; labels: string[] }): Array<{ number: string; label: string }> {
  const rows = values.numbers.map((number, i) => ({ number, label: values.labels[i] ?? '' })).filter((r) => r.number.trim() !== '' || r.label.trim() !== '');
  const blanks = Math.max(3 - rows.length, 1);
  return [...rows, ...Array.from({ length: blanks }, () => ({ number: '', label: '' }))].slice(0, 10);
}
