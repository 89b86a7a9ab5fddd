import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { parseDeck } from '../../src/rates/parse-deck.js';
import { PrefixIndex } from '../../src/rating/prefix-index.js';
import { dataDir } from '../../src/paths.js';

const deckFile = join(dataDir, 'rates.csv');

describe('data/rates.csv (the sample deck)', async () => {
  const parsed = await parseDeck({ path: deckFile });
  if (!parsed.ok) throw new Error(`sample deck invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const index = PrefixIndex.build(parsed.rates);

  it('is valid and says its prices are samples', async () => {
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(deckFile, 'utf8')).split('\n')[0]).toMatch(/SAMPLE PRICES/);
    expect(parsed.rates.length).toBeGreaterThan(1000);
  });

  it('has a rate for every country and territory libphonenumber-js knows', () => {
    const rated = new Set(parsed.rates.map((r) => r.iso));
    expect(getCountries().filter((c) => !rated.has(c))).toEqual([]);
  });

  it('splits shared calling codes: NANP area codes, +7 RU/KZ, +44 GB/GG/JE/IM', () => {
    expect(index.lookup('14165550123')?.iso).toBe('CA');
    expect(index.lookup('12684601234')?.iso).toBe('AG');
    expect(index.lookup('12125550123')?.iso).toBe('US');
    expect(index.lookup('74951234567')?.iso).toBe('RU');
    expect(index.lookup('77012345678')?.iso).toBe('KZ');
    expect(index.lookup('441481256789')?.iso).toBe('GG');
    expect(index.lookup('441534456789')?.iso).toBe('JE');
    expect(index.lookup('441624456789')?.iso).toBe('IM');
    expect(index.lookup('442079460958')?.iso).toBe('GB');
  });

  it('rates every country\'s example mobile number as the country libphonenumber-js assigns it to', () => {
    const wrong: string[] = [];
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      // Some territories' examples are their main country's numbers (AX's is a Finnish one): follow the library.
      const expected = parsePhoneNumberFromString(example.number)?.country;
      const rate = index.lookup(example.number);
      if (rate?.iso !== expected) wrong.push(`${country} ${example.number} → ${rate?.iso}, library says ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it('has mobile rows for at least 30 of the busiest destinations', () => {
    const withMobile = new Set(parsed.rates.filter((r) => r.description.endsWith(' - Mobile')).map((r) => r.iso));
    expect(withMobile.size).toBeGreaterThanOrEqual(30);
    expect(index.lookup('447400123456')?.description).toBe('United Kingdom - Mobile');
  });

  it('starts every prefix with its country\'s calling code', () => {
    for (const r of parsed.rates) expect(r.prefix.startsWith(getCountryCallingCode(r.iso as never)), r.prefix).toBe(true);
  });
});
