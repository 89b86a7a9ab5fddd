/**
 * Builds data/rates.csv, the SAMPLE rate deck, from libphonenumber-js's metadata (run once, commit the output):
 *   npx tsx scripts/generate-rates.ts
 * Every country and territory gets a row for its calling code; countries that share a calling code (NANP, +7,
 * +44, ...) get their own prefixes from the metadata (leading digits, or else the prefixes only their number
 * patterns can start with); the busiest destinations get mobile rows. Prices are made up, deterministically.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import metadataJson from 'libphonenumber-js/metadata.max.json';
import { Metadata } from 'libphonenumber-js/core';
import { DigitPattern } from './digit-pattern.js';

const TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'] as const;
type PhoneType = (typeof TYPES)[number];
const GEOGRAPHIC_TYPES: PhoneType[] = ['FIXED_LINE', 'MOBILE'];
const MAX_SPLIT_DEPTH = 6;
const MAX_MOBILE_DEPTH = 4;
/**
 * Toll-free ranges shared by every country of a calling code. NANP's 8xx codes are not any one territory's: the
 * metadata gives the Dominican Republic leading digits 8001 (its domestic 1-800-1… numbers), but internationally a
 * +1 800 number is a US/Canada toll-free call, which Twilio charges at its ordinary US & Canada rate. So these
 * prefixes go to the main country (US) at its own price, and no territory may claim a prefix inside them.
 */
const SHARED_TOLL_FREE: Record<string, { prefixes: string[]; description: string }> = {
  '1': { prefixes: ['800', '833', '844', '855', '866', '877', '888'], description: 'United States & Canada - Toll-free' },
};

/** Top international voice destinations (by traffic, roughly); NANP has no separate mobile rates so it is not listed. */
const BUSIEST = ['IN', 'MX', 'CN', 'PH', 'PK', 'BD', 'NG', 'GB', 'DE', 'FR', 'IT', 'ES', 'BR', 'CO', 'RU', 'TR', 'PL', 'RO', 'UA', 'EG', 'SA', 'AE', 'VN', 'ID', 'JP', 'KR', 'AU', 'ZA', 'KE', 'GH', 'PE', 'AR', 'TH', 'NL', 'MA'];

interface Plan {
  leadingDigits(): string | undefined;
  type(t: PhoneType): { pattern(): string } | undefined;
}
interface MetadataApi {
  selectNumberingPlan(country: string): void;
  numberingPlan: Plan;
}
const metadata = new (Metadata as unknown as new (json: unknown) => MetadataApi)(metadataJson);
const callingCodes = (metadataJson as unknown as { country_calling_codes: Record<string, string[]> }).country_calling_codes;
const names = new Intl.DisplayNames(['en'], { type: 'region' });

interface CountryPatterns {
  iso: string;
  leadingDigits: string | undefined;
  types: Map<PhoneType, DigitPattern>;
}

function patternsOf(iso: string): CountryPatterns {
  metadata.selectNumberingPlan(iso);
  const plan = metadata.numberingPlan;
  const types = new Map<PhoneType, DigitPattern>();
  const fixed = plan.type('FIXED_LINE')?.pattern();
  for (const t of TYPES) {
    let source = plan.type(t)?.pattern();
    if (source === '' && t === 'MOBILE') source = fixed; // NANP: mobile and fixed numbers are indistinguishable
    if (source) types.set(t, new DigitPattern(source));
  }
  return { iso, leadingDigits: plan.leadingDigits() || undefined, types };
}

function live(country: CountryPatterns, prefix: string, only?: PhoneType[]): boolean {
  for (const [t, pattern] of country.types) if ((!only || only.includes(t)) && pattern.canStartWith(prefix)) return true;
  return false;
}

interface Row {
  iso: string;
  prefix: string;
  description: string;
  mobile: boolean;
}

/** Prefixes (national digits) only `target`'s geographic numbers can start with, among the others sharing its code. */
function exclusivePrefixes(target: CountryPatterns, others: CountryPatterns[], prefix = ''): string[] {
  if (!live(target, prefix, GEOGRAPHIC_TYPES)) return [];
  if (!others.some((o) => live(o, prefix))) return [prefix];
  if (prefix.length >= MAX_SPLIT_DEPTH) return [];
  return Array.from({ length: 10 }, (_, d) => exclusivePrefixes(target, others, prefix + d)).flat();
}

/** Prefixes where every number is a mobile of `target` (no other type, no other country sharing the code). */
function mobilePrefixes(target: CountryPatterns, others: CountryPatterns[], prefix = ''): string[] {
  const mobile = target.types.get('MOBILE');
  if (!mobile || !mobile.canStartWith(prefix)) return [];
  const otherTypes = [...target.types.keys()].filter((t) => t !== 'MOBILE');
  if (prefix !== '' && !live(target, prefix, otherTypes) && !others.some((o) => live(o, prefix))) return [prefix];
  if (prefix.length >= MAX_MOBILE_DEPTH) return [];
  return Array.from({ length: 10 }, (_, d) => mobilePrefixes(target, others, prefix + d)).flat();
}

/** The ranges a pattern spells out before it turns into "any digit": 528[89]\d{5} gives 5288 and 5289. */
function ranges(pattern: DigitPattern, prefix = ''): string[] {
  const next = Array.from({ length: 10 }, (_, d) => prefix + d).filter((p) => pattern.canStartWith(p));
  if (prefix !== '' && (next.length === 10 || prefix.length >= MAX_SPLIT_DEPTH)) return [prefix];
  return next.flatMap((p) => ranges(pattern, p));
}

function rowsFor(code: string, members: string[]): Row[] {
  const countries = members.map(patternsOf);
  const [main] = members;
  const rows: Row[] = [{ iso: main!, prefix: code, description: nameOf(main!), mobile: false }];
  const shared = SHARED_TOLL_FREE[code];
  for (const p of shared?.prefixes ?? []) rows.push({ iso: main!, prefix: code + p, description: shared!.description, mobile: false });
  for (const country of countries.slice(1)) {
    const rivals = countries.filter((o) => o !== country && (o === countries[0] || !o.leadingDigits));
    let national = country.leadingDigits
      ? new DigitPattern(country.leadingDigits).minimalMatches(MAX_SPLIT_DEPTH)
      : exclusivePrefixes(country, rivals);
    // Territories whose numbers the main country's patterns also cover (EH in MA's, BL in GP's): give them their own
    // ranges anyway, so every territory has a rate of its own.
    const fixed = country.types.get('FIXED_LINE');
    if ((national.length === 0 || national.includes('')) && fixed) national = ranges(fixed);
    national = national.filter((p) => !insideSharedTollFree(code, p));
    for (const p of national) rows.push({ iso: country.iso, prefix: code + p, description: nameOf(country.iso), mobile: false });
  }
  for (const country of countries.filter((c) => BUSIEST.includes(c.iso))) {
    const others = countries.filter((o) => o !== country);
    for (const p of mobilePrefixes(country, others)) rows.push({ iso: country.iso, prefix: code + p, description: `${nameOf(country.iso)} - Mobile`, mobile: true });
  }
  return rows;
}

function insideSharedTollFree(code: string, national: string): boolean {
  return (SHARED_TOLL_FREE[code]?.prefixes ?? []).some((p) => national.startsWith(p) || p.startsWith(national));
}

function nameOf(iso: string): string {
  return names.of(iso) ?? iso;
}

/** FNV-1a, so the same country always gets the same sample price. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function micros(value: number): string {
  return `${Math.floor(value / 1_000_000)}.${String(value % 1_000_000).padStart(6, '0')}`.replace(/0+$/, '').replace(/\.$/, '.00');
}

/** Sample cost 0.005–0.25/min (mobile 1.5–3.5× that), sold at a 30–60 % margin; all rounded to 0.0001. */
function samplePrices(row: Row): { cost: number; sell: number } {
  const h = hash(row.iso);
  let cost = 5_000 + (h % 2_450) * 100;
  if (row.mobile) cost = Math.round((cost * (15 + (h % 21))) / 10 / 100) * 100;
  const sell = Math.ceil((cost * (130 + (h % 31))) / 100 / 100) * 100;
  return { cost, sell };
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function main(): void {
  const seen = new Set<string>();
  const lines = [
    '# SAMPLE PRICES ONLY: generated by scripts/generate-rates.ts from libphonenumber-js metadata; not real tariffs.',
    'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled',
  ];
  const codes = Object.keys(callingCodes).sort((a, b) => a.localeCompare(b));
  for (const code of codes) {
    for (const row of rowsFor(code, callingCodes[code]!)) {
      if (seen.has(row.prefix)) continue;
      seen.add(row.prefix);
      const { cost, sell } = samplePrices(row);
      const cells = [row.iso, nameOf(row.iso), row.prefix, row.description, micros(sell), micros(cost), '60', '60', '0.00', '0.00', 'true'];
      lines.push(cells.map(csvCell).join(','));
    }
  }
  const file = join(import.meta.dirname, '..', 'data', 'rates.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`wrote ${lines.length - 2} rates for ${codes.length} calling codes to ${file}`);
}

main();
