import { getCountries, getCountryCallingCode } from 'libphonenumber-js/max';
import { foldForSearch, searchNames } from '../rates/country-list.js';

/**
 * The history's Country filter reads what people type: a name ("United Kingdom", or another common name such as
 * "UK" or "England"), an ISO code ("GB") or a calling code ("44", "+44"). A calling code is kept as one (+1 is the
 * US, Canada and the Caribbean; +44 is also Jersey, Guernsey and the Isle of Man) and matched on the number itself.
 * Input that names no country, or several, is refused with a sentence saying so, never an empty list.
 */
export type CountryChoice = { iso: string } | { callingCode: string };

const displayNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRIES = getCountries().map((iso) => {
  const name = displayNames.of(iso) ?? iso;
  return { iso: iso as string, name, names: searchNames(iso, name) };
});
const CALLING_CODES = new Set(getCountries().map((iso) => getCountryCallingCode(iso) as string));
const HOW = 'Type a country’s name (United Kingdom), its ISO code (GB) or its calling code (+44)';

export function parseCountryChoice(text: string): { ok: true; value: CountryChoice } | { ok: false; message: string } {
  const typed = text.trim().slice(0, 60);
  const digits = typed.replace(/[\s()-]/g, '');
  if (/^\+?\d+$/.test(digits)) {
    const code = digits.replace(/^\+/, '').replace(/^00/, '');
    if (CALLING_CODES.has(code)) return { ok: true, value: { callingCode: code } };
    return { ok: false, message: `No country has the calling code +${code}. ${HOW}.` };
  }
  const needle = foldForSearch(typed);
  if (/^[a-z]{2}$/.test(needle)) {
    const byIso = COUNTRIES.find((c) => c.iso.toLowerCase() === needle);
    if (byIso) return { ok: true, value: { iso: byIso.iso } };
  }
  const exact = COUNTRIES.filter((c) => c.names.includes(needle));
  if (exact.length === 1) return { ok: true, value: { iso: exact[0]!.iso } };
  // The start of a name is enough when only one country's name starts so ("united k", "switz").
  const candidates = exact.length > 1 ? exact : COUNTRIES.filter((c) => c.names.some((n) => n.startsWith(needle) || n.includes(` ${needle}`)));
  if (candidates.length === 1) return { ok: true, value: { iso: candidates[0]!.iso } };
  if (candidates.length > 1) {
    const listed = candidates.slice(0, 4).map((c) => c.name).join(', ');
    return { ok: false, message: `“${typed}” could be ${listed}${candidates.length > 4 ? ' and more' : ''}: type more of the name, or its ISO code.` };
  }
  return { ok: false, message: `No country is called “${typed}”. ${HOW}.` };
}
