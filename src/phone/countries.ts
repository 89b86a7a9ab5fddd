import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';

export interface CountryOption {
  iso: string;
  label: string;
}

const names = new Intl.DisplayNames(['en'], { type: 'region' });

/** Every country libphonenumber knows, "United Kingdom (+44)", sorted by name: the phone form's country picker. */
export const COUNTRY_OPTIONS: readonly CountryOption[] = getCountries()
  .map((iso) => ({ iso, label: `${names.of(iso) ?? iso} (+${getCountryCallingCode(iso)})` }))
  .sort((a, b) => a.label.localeCompare(b.label, 'en'));

const KNOWN = new Set<string>(getCountries());

export function isKnownCountry(iso: string): iso is CountryCode {
  return KNOWN.has(iso);
}
