import { describe, expect, it } from 'vitest';
import { checkPhoneNumber, parseAllowedNumberTypes } from '../../src/rating/phone.js';

/** Issue 26, finding 3: numbers libphonenumber (max metadata) puts in the revenue-share fraud ranges. */
const BAIT = [
  { number: '+447011234567', type: 'PERSONAL_NUMBER', range: 'UK 070 personal' },
  { number: '+447623456789', type: 'PAGER', range: 'UK 076 pager' },
  { number: '+445512345678', type: 'UAN', range: 'UK 055 corporate' },
  { number: '+445612345678', type: 'VOIP', range: 'UK 056 VoIP' },
  { number: '+443001234567', type: 'UAN', range: 'UK 03 non-geographic' },
  { number: '+4970012345678', type: 'PERSONAL_NUMBER', range: 'DE 0700 personal' },
];

describe('number types refused as destinations and own phones (pure)', () => {
  it.each(BAIT)('refuses $range ($number, $type) unless an admin allowed the type in its country', ({ number, type }) => {
    const refused = checkPhoneNumber(number);
    expect(refused).toMatchObject({ ok: false, reason: 'number-type' });
    const country = number.startsWith('+49') ? 'DE' : 'GB';
    expect(checkPhoneNumber(number, undefined, parseAllowedNumberTypes(`${country}:${type}`))).toMatchObject({ ok: true, type });
    // Allowed in another country only: still refused.
    expect(checkPhoneNumber(number, undefined, parseAllowedNumberTypes(`FR:${type}`))).toMatchObject({ ok: false });
  });

  it('still calls ordinary landlines and mobiles, and never premium-rate numbers', () => {
    expect(checkPhoneNumber('+442079460958')).toMatchObject({ ok: true, type: 'FIXED_LINE' });
    expect(checkPhoneNumber('+447624123456')).toMatchObject({ ok: true, type: 'MOBILE' });
    expect(checkPhoneNumber('+4915112345678')).toMatchObject({ ok: true, type: 'MOBILE' });
    expect(checkPhoneNumber('+449098790000')).toMatchObject({ ok: false, reason: 'premium' });
  });

  it('reads NUMBER_TYPES_ALLOWED and names a bad entry', () => {
    expect(parseAllowedNumberTypes('gb:voip, DE:PERSONAL_NUMBER')).toEqual(new Map([['GB', new Set(['VOIP'])], ['DE', new Set(['PERSONAL_NUMBER'])]]));
    expect(parseAllowedNumberTypes(undefined).size).toBe(0);
    expect(() => parseAllowedNumberTypes('GB:PREMIUM_RATE')).toThrow(/GB:PREMIUM_RATE/);
    expect(() => parseAllowedNumberTypes('XX:VOIP')).toThrow(/XX:VOIP/);
  });
});
