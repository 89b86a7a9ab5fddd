/**
 * Text rules shared by the address book's form, importers, search and sorting. Pure: no I/O.
 */

export const MAX_NAME = 100;
export const MAX_COMPANY = 100;
export const MAX_NOTES = 2000;
export const MAX_LABEL = 30;
export const MAX_NUMBERS = 10;

/** Lower case without accents or repeated spaces: "Zoë  Ó Brien" → "zoe o brien". Search and sort compare this. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** What search and the list's order read: the name, then the company, folded. */
export function searchTextFor(name: string, company: string): string {
  return `${foldText(name)}${company.trim() ? ` · ${foldText(company)}` : ''}`.slice(0, 210);
}

/** Labels people and exporters use, in one spelling: CELL, Mobile, iPhone → mobile. Anything else is kept as typed. */
const LABEL_SYNONYMS: Record<string, string> = {
  cell: 'mobile',
  mobile: 'mobile',
  iphone: 'mobile',
  home: 'home',
  work: 'work',
  main: 'main',
  other: 'other',
  voice: '',
  pref: '',
  fax: 'fax',
  pager: 'pager',
  'home fax': 'fax',
  'work fax': 'fax',
  'work mobile': 'work mobile',
};

export function normaliseLabel(label: string): string {
  const cleaned = label.replace(/^[*\s]+/, '').replace(/[\s_]+/g, ' ').trim();
  const known = LABEL_SYNONYMS[cleaned.toLowerCase()];
  return (known ?? cleaned).slice(0, MAX_LABEL);
}

export interface SearchTerms {
  /** The folded text to find in name or company; '' when the query is only digits. */
  text: string;
  /** Digits to find in a number (without a leading 0 or 00, so national and international spellings both match). */
  digits: string;
}

/**
 * A typed search: "ali" looks in names and companies; "7946 0958" or "+44 20" in numbers (and names, for "3M").
 * Digits need at least 3 so that "0" does not match every number.
 */
export function searchTerms(query: string): SearchTerms {
  const text = foldText(query).slice(0, 60);
  const looksLikeNumber = /^[\d\s()+.\-/]+$/.test(query.trim());
  const digits = looksLikeNumber ? query.replace(/\D/g, '').replace(/^0+/, '').slice(0, 15) : '';
  if (digits.length >= 3) return { text: '', digits };
  return { text, digits: '' };
}
