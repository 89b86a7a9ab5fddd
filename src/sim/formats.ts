import { parsePhoneNumberFromString } from 'libphonenumber-js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 in UTC as the 2010-04-01 API writes it: "Tue, 31 Aug 2010 20:36:28 +0000". */
export function rfc2822(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** ISO 8601 without milliseconds, as Verify v2 writes dates: "2015-07-30T20:00:00Z". */
export function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(value: string | undefined): value is string {
  return typeof value === 'string' && E164.test(value);
}

/** Display form used in to_formatted/from_formatted: NANP as (415) 867-5309, everything else E.164. */
export function formatForDisplay(number: string): string {
  const parsed = parsePhoneNumberFromString(number);
  if (parsed && parsed.countryCallingCode === '1' && parsed.nationalNumber.length === 10) {
    const n = parsed.nationalNumber;
    return `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`;
  }
  return number;
}

/** Country of a number for the geo webhook parameters; empty when unknown, as Twilio sends. */
export function countryOf(number: string): string {
  return parsePhoneNumberFromString(number)?.country ?? '';
}
