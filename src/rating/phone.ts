import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type NumberType } from 'libphonenumber-js/max';

export type PhoneCheck =
  | { ok: true; e164: string; digits: string; country: string | undefined; type: NumberType }
  | { ok: false; reason: 'invalid' | 'premium' | 'shared-cost' | 'number-type'; message: string; /** Too short yet: a hint while typing, not an error. */ incomplete?: true };

/** Number types an admin allowed per country (ISO alpha-2 → libphonenumber types), e.g. GB → {VOIP}. */
export type AllowedNumberTypes = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Types we do not call: premium-rate never; the others are the usual revenue-share fraud bait (a personal number
 * or a pager forwards anywhere at a surcharge, shared-cost and UAN numbers share the charge with whoever holds
 * them, VoIP ranges are cheap to obtain in bulk), so they need an admin's allowance for their country.
 */
const refusedTypes: Partial<Record<NonNullable<NumberType>, { label: string; alwaysRefused?: true }>> = {
  PREMIUM_RATE: { label: 'Premium-rate', alwaysRefused: true },
  SHARED_COST: { label: 'Shared-cost' },
  PERSONAL_NUMBER: { label: 'Personal (follow-me)' },
  PAGER: { label: 'Pager' },
  UAN: { label: 'Universal access (UAN)' },
  VOIP: { label: 'Internet (VoIP)' },
};

/** Parses `allowed` as "GB:VOIP,DE:PERSONAL_NUMBER" (NUMBER_TYPES_ALLOWED); throws on an unknown type or country. */
export function parseAllowedNumberTypes(allowed: string | undefined): Map<string, ReadonlySet<string>> {
  const map = new Map<string, Set<string>>();
  for (const item of (allowed ?? '').split(',').map((i) => i.trim()).filter(Boolean)) {
    const [country, type] = item.toUpperCase().split(':');
    if (!country || !isSupportedCountry(country)) throw new Error(`"${item}": expected COUNTRY:TYPE with a 2-letter country code`);
    const entry = type ? refusedTypes[type as NonNullable<NumberType>] : undefined;
    if (!entry || entry.alwaysRefused) throw new Error(`"${item}": the type must be one of ${Object.keys(refusedTypes).filter((t) => !refusedTypes[t as NonNullable<NumberType>]!.alwaysRefused).join(', ')}`);
    map.set(country, (map.get(country) ?? new Set()).add(type!));
  }
  return map;
}

/**
 * Normalises what a person typed ("+44 20 7946 0958", "00442079460958", or a national number with a default
 * country) to E.164 and refuses numbers we must not call.
 */
export function checkPhoneNumber(typed: string, defaultCountry?: string, allowed?: AllowedNumberTypes): PhoneCheck {
  const cleaned = typed.trim().replace(/^00/, '+');
  const country = defaultCountry && isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  const parsed = parsePhoneNumberFromString(cleaned, country);
  if (!parsed || !parsed.isValid()) {
    // Said apart from "invalid" so that someone typing digit by digit knows to keep going.
    if (validatePhoneNumberLength(cleaned, country) === 'TOO_SHORT') {
      return { ok: false, reason: 'invalid', message: 'This number is incomplete: keep typing.', incomplete: true };
    }
    const example = country ? 'Check the number and the country, or type it with its country code' : 'Enter a full international number';
    return { ok: false, reason: 'invalid', message: `${example}, such as +44 20 7946 0958.` };
  }
  const type = parsed.getType();
  const refused = type ? refusedTypes[type] : undefined;
  if (refused && (refused.alwaysRefused || !(parsed.country && allowed?.get(parsed.country)?.has(type!)))) {
    const reason = type === 'PREMIUM_RATE' ? 'premium' : type === 'SHARED_COST' ? 'shared-cost' : 'number-type';
    return { ok: false, reason, message: `${refused.label} numbers cannot be called.` };
  }
  return { ok: true, e164: parsed.number, digits: parsed.number.slice(1), country: parsed.country, type };
}

/** The country of a number already in E.164 (a verified phone), whatever its type; undefined if it is not valid. */
export function readPhoneCountry(e164: string): string | undefined {
  const parsed = parsePhoneNumberFromString(e164);
  return parsed?.isValid() ? parsed.country : undefined;
}

/** Whether an admin allowed this number's type in its country (NUMBER_TYPES_ALLOWED). */
export function typeAllowed(check: Extract<PhoneCheck, { ok: true }>, allowed: AllowedNumberTypes): boolean {
  return Boolean(check.country && check.type && allowed.get(check.country)?.has(check.type));
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
