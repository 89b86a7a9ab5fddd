import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import metadataJson from 'libphonenumber-js/metadata.max.json';
import { Metadata } from 'libphonenumber-js/core';
import { getCountries, getCountryCallingCode, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { parseDeck } from '../../src/rates/parse-deck.js';
import { PrefixIndex } from '../../src/rating/prefix-index.js';
import { dataDir } from '../../src/paths.js';

/**
 * The sample deck (data/rates.csv) must rate every region's numbers as that region. libphonenumber-js ships example
 * numbers for mobiles only, so fixed-line and toll-free examples are drawn from the 'max' metadata's own patterns for
 * each type (fast-check's stringMatching, fixed seed: the same numbers every run), kept only when the library calls
 * them valid. Each number goes through the app's deck parser and prefix index, as a call would.
 */

const CHECKED_TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE'] as const;
const ALL_TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
type PhoneType = (typeof ALL_TYPES)[number];
const SAMPLES_PER_TYPE = 30;
/** NANP toll-free area codes: shared by every NANP country, and Twilio charges them at its US & Canada rate. */
const NANP_TOLL_FREE = ['800', '833', '844', '855', '866', '877', '888'];

interface MetadataApi {
  selectNumberingPlan(country: string): void;
  numberingPlan: { type(t: PhoneType): { pattern(): string } | undefined };
}
const metadata = new (Metadata as unknown as new (json: unknown) => MetadataApi)(metadataJson);
const regionsByCallingCode = (metadataJson as unknown as { country_calling_codes: Record<string, string[]> }).country_calling_codes;

const typePatterns = new Map<string, Map<PhoneType, RegExp>>();
function patternsOf(region: string): Map<PhoneType, RegExp> {
  let patterns = typePatterns.get(region);
  if (!patterns) {
    metadata.selectNumberingPlan(region);
    patterns = new Map();
    for (const t of ALL_TYPES) {
      const source = metadata.numberingPlan.type(t)?.pattern();
      if (source) patterns.set(t, new RegExp(`^(?:${source})$`));
    }
    typePatterns.set(region, patterns);
  }
  return patterns;
}

/** Regions sharing the calling code whose numbering plan has this national number (of any type). */
function ownersOf(callingCode: string, national: string): string[] {
  return (regionsByCallingCode[callingCode] ?? []).filter((r) => [...patternsOf(r).values()].some((p) => p.test(national)));
}

function isNanpTollFree(callingCode: string, national: string): boolean {
  return callingCode === '1' && NANP_TOLL_FREE.includes(national.slice(0, 3));
}

interface Example {
  region: string;
  type: string;
  callingCode: string;
  national: string;
}

function examplesFor(region: CountryCode, seed: number): Example[] {
  const callingCode = getCountryCallingCode(region);
  const found: Example[] = [];
  const shipped = getExampleNumber(region, examples);
  if (shipped) found.push({ region, type: 'MOBILE (shipped example)', callingCode, national: shipped.nationalNumber });
  const patterns = patternsOf(region);
  for (const type of CHECKED_TYPES) {
    const pattern = patterns.get(type);
    if (!pattern) continue;
    for (const national of fc.sample(fc.stringMatching(pattern), { seed, numRuns: SAMPLES_PER_TYPE })) {
      if (parsePhoneNumberFromString(`+${callingCode}${national}`)?.isValid()) found.push({ region, type, callingCode, national });
    }
  }
  return found;
}

describe('data/rates.csv names the right country for every region\'s numbers', async () => {
  const parsed = await parseDeck({ path: join(dataDir, 'rates.csv') });
  if (!parsed.ok) throw new Error(`sample deck invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const index = PrefixIndex.build(parsed.rates);
  const rateOf = (e164Digits: string) => index.lookup(e164Digits);

  it('rates fixed-line, mobile and toll-free examples of every region as a country the number belongs to', () => {
    const regions = getCountries();
    const wrong: string[] = [];
    const withoutExamples: string[] = [];
    let checked = 0;
    regions.forEach((region, i) => {
      const found = examplesFor(region, 24_000 + i);
      if (found.length === 0) withoutExamples.push(region);
      for (const { region: from, type, callingCode, national } of found) {
        checked++;
        const rate = rateOf(callingCode + national);
        // Where the numbering plans overlap (Åland's mobiles are Finnish ranges, the Vatican's Italian), the number
        // belongs to each owner and no prefix can tell them apart: any owner is right. Otherwise only its own.
        const owners = ownersOf(callingCode, national);
        const expected = isNanpTollFree(callingCode, national) ? ['US'] : owners;
        if (!rate || !expected.includes(rate.iso)) {
          wrong.push(`${from} ${type} +${callingCode}${national} → ${rate ? `${rate.iso} (prefix ${rate.prefix})` : 'no rate'}, expected ${expected.join('/')}`);
        }
      }
    });
    expect(withoutExamples).toEqual([]);
    expect(regions.length).toBeGreaterThanOrEqual(240);
    expect(checked).toBeGreaterThan(regions.length * 30);
    expect(wrong).toEqual([]);
  });

  it('rates US/Canada toll-free numbers as ordinary US & Canada calls, whatever digits follow the area code', () => {
    const us = rateOf('12125550123');
    expect(us?.iso).toBe('US');
    for (const code of NANP_TOLL_FREE) {
      for (const rest of ['1234567', '1498434', '2345678', '5551212', '9999999']) {
        const rate = rateOf(`1${code}${rest}`);
        expect(rate?.iso, `+1 ${code} ${rest}`).toBe('US');
        expect(rate?.enabled, `+1 ${code} ${rest}`).toBe(true);
        expect({ sell: rate?.sellPerMinMicros, cost: rate?.costPerMinMicros }, `+1 ${code} ${rest}`).toEqual({ sell: us?.sellPerMinMicros, cost: us?.costPerMinMicros });
      }
    }
  });

  it('splits +1 into its NANP territories by area code', () => {
    const cases: [string, string][] = [
      ['18765550123', 'JM'],
      ['18095550123', 'DO'],
      ['18295550123', 'DO'],
      ['18495550123', 'DO'],
      ['14165550123', 'CA'],
      ['16045550123', 'CA'],
      ['12685550123', 'AG'],
      ['17875550123', 'PR'],
      ['16715550123', 'GU'],
      ['12125550123', 'US'],
      ['19075550123', 'US'],
    ];
    expect(cases.map(([digits]) => [digits, rateOf(digits)?.iso])).toEqual(cases);
  });
});
