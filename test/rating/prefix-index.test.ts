import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PrefixIndex } from '../../src/rating/prefix-index.js';
import { checkPhoneNumber, flagEmoji, formatInternational } from '../../src/rating/phone.js';
import { rate } from './arbitraries.js';

describe('PrefixIndex', () => {
  const index = PrefixIndex.build([
    rate({ prefix: '1', iso: 'US' }),
    rate({ prefix: '1264', iso: 'AI' }),
    rate({ prefix: '44', iso: 'GB' }),
    rate({ prefix: '447', iso: 'GB', description: 'mobile' }),
    rate({ prefix: '447624', iso: 'IM' }),
  ]);

  it('picks the longest matching prefix', () => {
    expect(index.lookup('12125550123')?.iso).toBe('US');
    expect(index.lookup('12644970000')?.iso).toBe('AI');
    expect(index.lookup('+442079460958')?.iso).toBe('GB');
    expect(index.lookup('447911123456')?.description).toBe('mobile');
    expect(index.lookup('447624123456')?.iso).toBe('IM');
    expect(index.lookup('4476')?.description).toBe('mobile');
  });

  it('finds nothing for unknown or non-digit input', () => {
    expect(index.lookup('33123456789')).toBeUndefined();
    expect(index.lookup('')).toBeUndefined();
    expect(index.lookup('abc')).toBeUndefined();
  });

  it('agrees with a brute-force longest-prefix scan', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[0-9]{1,6}$/), { maxLength: 60 }), fc.stringMatching(/^[0-9]{0,12}$/), (prefixes, number) => {
        const rates = prefixes.map((prefix) => rate({ prefix }));
        const built = PrefixIndex.build(rates);
        const expected = rates.filter((r) => number.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
        expect(built.lookup(number)?.prefix).toBe(expected?.prefix);
      }),
    );
  });
});

describe('checkPhoneNumber', () => {
  it('normalises typed numbers to E.164', () => {
    expect(checkPhoneNumber('+44 20 7946 0958')).toMatchObject({ ok: true, e164: '+442079460958', digits: '442079460958', country: 'GB' });
    expect(checkPhoneNumber('0044 20 7946 0958')).toMatchObject({ ok: true, e164: '+442079460958' });
    expect(checkPhoneNumber('(201) 555-0123', 'US')).toMatchObject({ ok: true, e164: '+12015550123' });
  });

  it('refuses invalid, premium-rate and shared-cost numbers', () => {
    expect(checkPhoneNumber('12')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(checkPhoneNumber('+1 900 555 1234')).toMatchObject({ ok: false, reason: 'premium' });
    expect(checkPhoneNumber('+44 871 234 5678')).toMatchObject({ ok: false, reason: 'premium' });
    expect(checkPhoneNumber('+34 901 123 456')).toMatchObject({ ok: false, reason: 'shared-cost' });
    expect(checkPhoneNumber('+33 810 12 34 56')).toMatchObject({ ok: false, reason: 'shared-cost' });
  });

  it('reads national input in a default country, and tells an incomplete number from a wrong one', () => {
    expect(checkPhoneNumber('020 7946 0958', 'GB')).toMatchObject({ ok: true, e164: '+442079460958', country: 'GB' });
    expect(checkPhoneNumber('06 12 34 56 78', 'FR')).toMatchObject({ ok: true, e164: '+33612345678', type: 'MOBILE' });
    expect(checkPhoneNumber('+44 7400 123456', 'FR')).toMatchObject({ ok: true, e164: '+447400123456', country: 'GB' });
    expect(checkPhoneNumber('0845 464 0000', 'GB')).toMatchObject({ ok: false, reason: 'premium' });
    expect(checkPhoneNumber('020 79', 'GB')).toEqual({ ok: false, reason: 'invalid', message: 'This number is incomplete: keep typing.', incomplete: true });
    expect(checkPhoneNumber('+44 20 79')).toMatchObject({ ok: false, reason: 'invalid', message: 'This number is incomplete: keep typing.' });
    expect(checkPhoneNumber('020 7946 0958 1234 5678', 'GB')).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('Check the number and the country') });
    // An unknown country is ignored rather than trusted: national input then cannot be read.
    expect(checkPhoneNumber('020 7946 0958', 'XX')).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('Enter a full international number') });
  });

  it('formats E.164 the way people read it', () => {
    expect(formatInternational('+442079460958')).toBe('+44 20 7946 0958');
    expect(formatInternational('+33612345678')).toBe('+33 6 12 34 56 78');
    expect(formatInternational('not a number')).toBe('not a number');
  });

  it('makes flags from ISO codes', () => {
    expect(flagEmoji('GB')).toBe('🇬🇧');
    expect(flagEmoji('xx')).toBe('');
  });
});
