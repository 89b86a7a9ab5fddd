import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseContactFields } from '../../src/contacts/contact-form.js';
import { foldText, normaliseLabel, searchTerms, searchTextFor } from '../../src/contacts/contact-text.js';
import { checkPhoneNumber, parseAllowedNumberTypes } from '../../src/rating/phone.js';

describe('search terms', () => {
  it('reads digits as a number search and words as a name search', () => {
    expect(searchTerms('ali')).toEqual({ text: 'ali', digits: '' });
    expect(searchTerms('  Zoë  ')).toEqual({ text: 'zoe', digits: '' });
    expect(searchTerms('+44 20 7946')).toEqual({ text: '', digits: '44207946' });
    expect(searchTerms('020 7946')).toEqual({ text: '', digits: '207946' });
    expect(searchTerms('12')).toEqual({ text: '12', digits: '' });
    expect(searchTerms('3M')).toEqual({ text: '3m', digits: '' });
  });

  it('a folded name is found by any folded part of it (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ maxLength: 20 }), fc.nat(), fc.nat(), (name, company, a, b) => {
        const folded = foldText(name);
        const start = a % (folded.length + 1);
        const part = folded.slice(start, start + 1 + (b % 5)).trim();
        fc.pre(part.length > 0 && !/^[\d\s()+.\-/]+$/.test(part));
        expect(searchTextFor(name, company)).toContain(searchTerms(part).text);
      }),
    );
  });

  it('labels from exporters read the same', () => {
    expect(['CELL', 'Mobile', 'iPhone', '* Mobile'].map(normaliseLabel)).toEqual(['mobile', 'mobile', 'mobile', 'mobile']);
    expect(normaliseLabel('Boat')).toBe('Boat');
  });
});

describe('the contact form', () => {
  it('only ever keeps numbers the dial page would accept, in E.164, each once (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 16 }), fc.stringMatching(/^\+?[0-9 ]{3,15}$/), fc.constantFrom('+442079460958', '+44 20 7946 0958', '020 7946 0958', '+19005550123')), { maxLength: 6 }), (numbers) => {
        const parsed = parseContactFields({ name: 'A', company: '', notes: '', favourite: undefined, numbers, labels: [] }, 'GB');
        if (!parsed.ok) {
          expect(Object.keys(parsed.errors).every((k) => /^number-\d+$/.test(k))).toBe(true);
          return;
        }
        for (const n of parsed.input.numbers) expect(checkPhoneNumber(n.e164)).toMatchObject({ ok: true, e164: n.e164 });
        expect(new Set(parsed.input.numbers.map((n) => n.e164)).size).toBe(parsed.input.numbers.length);
      }),
    );
  });

  it('names each bad field', () => {
    const parsed = parseContactFields({ name: ' ', company: 'x'.repeat(101), notes: '', favourite: '1', numbers: ['', '+19005550123', '+442079460958', '020 7946 0958'], labels: [] }, 'GB');
    expect(parsed).toEqual({
      ok: false,
      errors: { name: 'Enter a name.', company: 'Keep the company to 100 characters.', 'number-1': 'Premium-rate numbers cannot be called.', 'number-3': 'This number is already in this contact.' },
    });
  });

  it('keeps the number types an admin allowed, as the dial page does (a UK 070 personal number)', () => {
    const fields = { name: 'Pat', company: '', notes: '', favourite: undefined, numbers: ['+447011234567'], labels: [] };
    expect(parseContactFields(fields, 'GB')).toMatchObject({ ok: false, errors: { 'number-0': expect.stringContaining('cannot be called') } });
    expect(parseContactFields(fields, 'GB', parseAllowedNumberTypes('GB:PERSONAL_NUMBER'))).toMatchObject({ ok: true, input: { numbers: [{ e164: '+447011234567' }] } });
  });
});
