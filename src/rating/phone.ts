import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type NumberType } from 'libphonenumber-js/max';

export type PhoneCheck =
  | { ok: true; e164: string; digits: string; country: string | undefined; type: NumberType }
  | { ok: false; reason: 'invalid' | 'premium' | 'shared-cost'; message: string };

/** Types we never call: the caller (or we) would pay a surcharge that funds someone else (toll-fraud bait). */
const refusedTypes: Partial<Record<NonNullable<NumberType>, 'premium' | 'shared-cost'>> = {
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'shared-cost',
};

/**
 * Normalises what a person typed ("+44 20 7946 0958", "00442079460958", or a national number with a default
 * country) to E.164 and refuses numbers we must not call.
 */
export function checkPhoneNumber(typed: string, defaultCountry?: string): PhoneCheck {
  const cleaned = typed.trim().replace(/^00/, '+');
  const country = defaultCountry && isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const parsed = parsePhoneNumberFromString(cleaned, country);
  if (!parsed || !parsed.isValid()) {
    // Said apart from "invalid" so that someone typing digit by digit knows to keep going.
    if (validatePhoneNumberLength(cleaned, country) === 'TOO_SHORT') {
      return { ok: false, reason: 'invalid', message: 'This number is incomplete: keep typing.' };
    }
    const example = country ? 'Check the number and the country, or type it with its country code' : 'Enter a full international number';
    return { ok: false, reason: 'invalid', message: `${example}, such as +44 20 7946 0958.` };
  }
  const type = parsed.getType();
  const refused = type ? refusedTypes[type] : undefined;
  if (refused) {
    const label = refused === 'premium' ? 'Premium-rate' : 'Shared-cost';
    return { ok: false, reason: refused, message: `${label} numbers cannot be called.` };
  }
  return { ok: true, e164: parsed.number, digits: parsed.number.slice(1), country: parsed.country, type };
}

/** "+442079460958" as people read it: "+44 20 7946 0958"; the input back unchanged if it does not parse. */
export function formatInternational(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** A stored E.164 number's display form and country, from one parse (no validity check: it was checked when saved). */
export function storedNumberFacts(e164: string): { international: string; country: string | undefined } {
  const parsed = parsePhoneNumberFromString(e164);
  return { international: parsed?.formatInternational() ?? e164, country: parsed?.country };
}

/** Flag emoji from an ISO 3166-1 alpha-2 code (regional indicator symbols); empty for anything else. */
export function flagEmoji(iso: string): string {
  if (!/^[A-Z]{2}$/.test(iso)) return '';
  return String.fromCodePoint(...[...iso].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}
