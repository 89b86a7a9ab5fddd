import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactsCsv, parseContactsCsv } from '../../src/contacts/contact-csv.js';
import type { ExportContact } from '../../src/contacts/contact-file.js';
import { planImport } from '../../src/contacts/contact-import.js';
import { parseVcards, vcards } from '../../src/contacts/contact-vcard.js';

/** A Google Contacts export (Google Contacts → Export → Google CSV), as Google writes it: BOM, CRLF, "::: " lists. */
const GOOGLE_CSV = [
  '\uFEFFFirst Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value',
  'Alice,,Liddell,,,,,,,,Wonderland Ltd,Explorer,,1852-05-04,"Met at the tea party,',
  'bring biscuits",,* myContacts ::: * starred,* Home,alice@example.com,Mobile,+44 7911 123456 ::: 020 7946 0958,Work,+1 201-555-0123',
  'Bob,,Builder,,,,,,,,"Acme, Inc.",,,,,,* myContacts,,,Work,(201) 555-0188,,',
  ',,,,,,,,,,,,,,,,* myContacts,* Other,nobody@example.com,,,,',
  'Carol,,Premium,,,,,,,,,,,,,,* myContacts,,,Mobile,+44 909 879 0000,,',
  'Dup,,Alice,,,,,,,,,,,,,,* myContacts,,,Home,+447911123456,,',
  '',
].join('\r\n');

/** The older Google CSV ("Outlook-compatible" era): Name, Given Name …, Phone 1 - Type, Group Membership. */
const GOOGLE_LEGACY_CSV = [
  'Name,Given Name,Additional Name,Family Name,Nickname,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Type,Organization 1 - Name',
  'Dave Jones,Dave,,Jones,,,* My Contacts,* Work,dave@example.com,Mobile,+33 6 12 34 56 78,,Acme',
  'Eve,Eve,,,,,* My Contacts,,,Home,not a number,,',
].join('\n');

/** An Apple Contacts export (Contacts → File → Export vCard…), vCard 3.0 with Apple's item labels and a folded photo. */
const APPLE_VCF = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'PRODID:-//Apple Inc.//macOS 14.2//EN',
  'N:Liddell;Alice;;;',
  'FN:Alice Liddell',
  'ORG:Wonderland Ltd;',
  'TITLE:Explorer',
  'EMAIL;type=INTERNET;type=HOME;type=pref:alice@example.com',
  'TEL;type=CELL;type=VOICE;type=pref:+44 7911 123456',
  'TEL;type=WORK;type=VOICE:020 7946 0958',
  'item1.TEL:+1 (201) 555-0123',
  'item1.X-ABLabel:_$!<Other>!$_',
  'item2.TEL:+1 (201) 555-0124',
  'item2.X-ABLabel:Boat',
  'item3.ADR;type=HOME;type=pref:;;1 Rabbit Hole;Oxford;;OX1 1AA;United Kingdom',
  'item3.X-ABADR:gb',
  'NOTE:Met at the tea party\\nBring biscuits\\, lots',
  'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGBwkIBwcH',
  ' BwkLCQkKCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJ',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'N:;Nobody;;;',
  'FN:Nobody',
  'EMAIL;type=INTERNET:nobody@example.com',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:4.0',
  'FN:Dr. Bob Builder',
  'N:Builder;Bob;;Dr.;',
  'ORG:Acme\\, Inc.',
  'TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+1-201-555-0188',
  'TEL;VALUE=uri;TYPE=work:tel:+1-201-555-0199;ext=102',
  'CATEGORIES:Favorites,Builders',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:3.0',
  'FN:Broken',
  'TEL:+12015550177',
  '',
].join('\r\n');

describe('Google Contacts CSV', () => {
  it('reads names, companies, notes across lines, several numbers per cell and starred contacts; names bad lines', () => {
    const file = parseContactsCsv(GOOGLE_CSV);
    expect(file.contacts.map((c) => c.name)).toEqual(['Alice Liddell', 'Bob Builder', 'Carol Premium', 'Dup Alice']);
    const alice = file.contacts[0]!;
    expect(alice).toMatchObject({ line: 2, company: 'Wonderland Ltd', notes: 'Met at the tea party,\r\nbring biscuits', favourite: true });
    expect(alice.numbers).toEqual([
      { label: 'Mobile', value: '+44 7911 123456' },
      { label: 'Mobile', value: '020 7946 0958' },
      { label: 'Work', value: '+1 201-555-0123' },
    ]);
    expect(file.contacts[1]).toMatchObject({ line: 4, company: 'Acme, Inc.', favourite: false });
    expect(file.invalid).toEqual([{ line: 5, reason: 'No name and no phone number.' }]);

    const plan = planImport(file, new Map(), 'US');
    expect(plan.added.map((c) => c.name)).toEqual(['Alice Liddell', 'Bob Builder']);
    // "020 7946 0958" is national: read in the importing user's country it is not a valid US number.
    expect(plan.added[0]!.numbers).toEqual([{ label: 'mobile', e164: '+447911123456' }, { label: 'work', e164: '+12015550123' }]);
    // "Dup Alice" has Alice's mobile: merged into her (added in this same file), so not a third contact.
    expect(plan.merged).toEqual([]);
    expect(plan.invalid.map((i) => i.line)).toEqual([2, 5, 6]);
    expect(plan.invalid.find((i) => i.line === 6)!.reason).toContain('Premium-rate');
    expect(plan.invalid.find((i) => i.line === 2)!.reason).toContain('020 7946 0958');
  });

  it('merges a later row with a number already met into the earlier contact, and into the book by number', () => {
    const file = parseContactsCsv(GOOGLE_CSV);
    const fresh = planImport(file, new Map(), 'GB');
    expect(fresh.added.map((c) => c.name)).toEqual(['Alice Liddell', 'Bob Builder']);
    expect(fresh.added[0]!.numbers.map((n) => n.e164)).toEqual(['+447911123456', '+442079460958', '+12015550123']);
    const book = new Map([['+447911123456', 41]]);
    const again = planImport(file, book, 'GB');
    expect(again.added.map((c) => c.name)).toEqual(['Bob Builder']);
    expect(again.merged).toEqual([expect.objectContaining({ line: 2, contactId: 41, numbers: [{ label: 'mobile', e164: '+442079460958' }, { label: 'work', e164: '+12015550123' }] })]);
  });

  it('reads the older Google layout and names the line whose only number is not a number', () => {
    const file = parseContactsCsv(GOOGLE_LEGACY_CSV);
    const plan = planImport(file, new Map(), 'US');
    expect(plan.added).toEqual([expect.objectContaining({ line: 2, name: 'Dave Jones', company: 'Acme', numbers: [{ label: 'mobile', e164: '+33612345678' }] })]);
    expect(plan.invalid).toEqual([{ line: 3, reason: expect.stringContaining('“Eve”: no number we can call: not a number') }]);
  });

  it('refuses a file with no phone column, naming line 1', () => {
    expect(parseContactsCsv('Name,Email\nA,a@example.com\n').invalid).toEqual([{ line: 1, reason: expect.stringContaining('no phone column') }]);
  });
});

describe('Apple Contacts vCard', () => {
  it('reads 3.0 and 4.0 cards: Apple labels, folded lines, escaped text, tel: URIs, favourites; names broken cards', () => {
    const file = parseVcards(APPLE_VCF);
    expect(file.contacts.map((c) => c.name)).toEqual(['Alice Liddell', 'Dr. Bob Builder']);
    const alice = file.contacts[0]!;
    expect(alice).toMatchObject({ line: 1, company: 'Wonderland Ltd', notes: 'Met at the tea party\nBring biscuits, lots', favourite: false });
    expect(alice.numbers).toEqual([
      { label: 'mobile', value: '+44 7911 123456' },
      { label: 'work', value: '020 7946 0958' },
      { label: 'Other', value: '+1 (201) 555-0123' },
      { label: 'Boat', value: '+1 (201) 555-0124' },
    ]);
    expect(file.contacts[1]).toMatchObject({ line: 27, company: 'Acme, Inc.', favourite: true, numbers: [{ label: 'mobile', value: '+1-201-555-0188' }, { label: 'work', value: '+1-201-555-0199' }] });
    expect(file.invalid).toEqual([
      { line: 21, reason: '“Nobody” has no phone number.' },
      { line: 36, reason: 'This card has no END:VCARD.' },
    ]);
    const plan = planImport(file, new Map(), 'GB');
    expect(plan.added[0]!.numbers).toEqual([
      { label: 'mobile', e164: '+447911123456' },
      { label: 'work', e164: '+442079460958' },
      { label: 'other', e164: '+12015550123' },
      { label: 'Boat', e164: '+12015550124' },
    ]);
  });
});

// Numbers that libphonenumber accepts (fictional ranges: Ofcom's drama numbers, NANP 555-01xx).
const e164 = fc.oneof(fc.integer({ min: 0, max: 999 }).map((n) => `+44207946${String(n).padStart(4, '0')}`), fc.integer({ min: 100, max: 199 }).map((n) => `+1201555${String(n).padStart(4, '0')}`));
const tricky = fc.constantFrom('a', 'Z', 'é', ' ', ',', ';', '"', '\\', '\n', ':', '=', '+', '-', '@', "'", 'ü', '中', '😀', 'n', 'N');
const text = (max: number) => fc.array(tricky, { maxLength: max }).map((cs) => cs.join('').trim());
const label = fc.oneof(fc.constantFrom('mobile', 'home', 'work', 'main', 'other', 'fax', ''), fc.stringMatching(/^[a-z]{3,10}$/).filter((l) => !['cell', 'iphone', 'voice', 'pref', 'pager', 'mobile', 'home', 'work', 'main', 'other', 'fax'].includes(l)));
const contact: fc.Arbitrary<ExportContact> = fc.record({
  name: text(30).filter((n) => n !== ''),
  company: text(20),
  notes: text(60),
  favourite: fc.boolean(),
  numbers: fc.uniqueArray(fc.record({ label, e164 }), { minLength: 1, maxLength: 4, selector: (n) => n.e164 }),
});
const book = fc.array(contact, { maxLength: 8 }).map((cs) => {
  // One number belongs to one contact: later contacts lose numbers an earlier one has, and those left empty go.
  const seen = new Set<string>();
  return cs.map((c) => ({ ...c, numbers: c.numbers.filter((n) => !seen.has(n.e164) && seen.add(n.e164)) })).filter((c) => c.numbers.length > 0);
});

describe('export then import gives the same book (property)', () => {
  for (const [format, write, read] of [
    ['CSV', contactsCsv, parseContactsCsv],
    ['vCard 3.0', (cs: readonly ExportContact[]) => vcards(cs, '3.0'), parseVcards],
    ['vCard 4.0', (cs: readonly ExportContact[]) => vcards(cs, '4.0'), parseVcards],
  ] as const) {
    it(`${format}: every contact comes back, nothing invalid; imported again, everything merges and nothing is added`, () => {
      fc.assert(
        fc.property(book, (contacts) => {
          const file = read(write(contacts));
          const plan = planImport(file, new Map(), undefined);
          expect(plan.invalid).toEqual([]);
          expect(plan.added.map(({ line: _line, ...c }) => c)).toEqual(contacts);
          const inBook = new Map(contacts.flatMap((c, i) => c.numbers.map((n) => [n.e164, i + 1] as const)));
          const again = planImport(read(write(contacts)), inBook, undefined);
          expect(again.added).toEqual([]);
          expect(again.merged.map((m) => m.contactId)).toEqual(contacts.map((_, i) => i + 1));
          expect(again.merged.every((m) => m.numbers.length === 0)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a plan never gives one number to two contacts, nor re-adds a number the book has', () => {
    fc.assert(
      fc.property(fc.array(contact, { maxLength: 10 }), fc.array(e164, { maxLength: 5 }), (contacts, owned) => {
        const bookNumbers = new Map(owned.map((n, i) => [n, i + 1]));
        const plan = planImport(parseContactsCsv(contactsCsv(contacts)), bookNumbers, undefined);
        const placed = [...plan.added.flatMap((c) => c.numbers), ...plan.merged.flatMap((m) => m.numbers)].map((n) => n.e164);
        expect(new Set(placed).size).toBe(placed.length);
        for (const n of placed) expect(bookNumbers.has(n)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('parsers never throw on arbitrary text, and every bad line has a line number', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (junk) => {
        for (const parsed of [parseContactsCsv(junk), parseVcards(junk), parseVcards(`BEGIN:VCARD\r\n${junk}`)]) {
          for (const bad of parsed.invalid) expect(bad.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
