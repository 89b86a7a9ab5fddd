import { flagEmoji, storedNumberFacts } from '../rating/phone.js';
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
export function callHref(e164: string, country = storedNumberFacts(e164).country): string {
  const params = new URLSearchParams({ to: e164 });
  if (country) params.set('country', country);
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
      const facts = storedNumberFacts(n.e164);
      return { label: n.label, e164: n.e164, display: facts.international, flag: facts.country ? flagEmoji(facts.country) : '', callHref: callHref(n.e164, facts.country) };
    }),
  };
}

/** The form's rows: the contact's numbers, then blank rows, at least three (more are added by saving). */
export function numberRows(values: { numbers: string[]; labels: string[] }): Array<{ number: string; label: string }> {
  const rows = values.numbers.map((number, i) => ({ number, label: values.labels[i] ?? '' })).filter((r) => r.number.trim() !== '' || r.label.trim() !== '');
  const blanks = Math.max(3 - rows.length, 1);
  return [...rows, ...Array.from({ length: blanks }, () => ({ number: '', label: '' }))].slice(0, 10);
}
