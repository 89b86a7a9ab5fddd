import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/** One priced destination prefix: what Twilio would charge us (cost), per minute, USD. */
export interface PriceRow {
  iso: string;
  country: string;
  prefix: string;
  description: string;
  costPerMinute: string;
}

/** Used when no rate deck file is given: a few common destinations at plausible Twilio list prices. */
const BUILT_IN: PriceRow[] = [
  { iso: 'US', country: 'United States', prefix: '1', description: 'United States & Canada', costPerMinute: '0.0140' },
  { iso: 'US', country: 'United States', prefix: '1907', description: 'United States - Alaska', costPerMinute: '0.0900' },
  { iso: 'US', country: 'United States', prefix: '1800', description: 'United States & Canada - Toll Free', costPerMinute: '0.0130' },
  { iso: 'CA', country: 'Canada', prefix: '1204', description: 'Canada', costPerMinute: '0.0140' },
  { iso: 'GB', country: 'United Kingdom', prefix: '44', description: 'United Kingdom', costPerMinute: '0.0158' },
  { iso: 'GB', country: 'United Kingdom', prefix: '447', description: 'United Kingdom - Mobile', costPerMinute: '0.0378' },
  { iso: 'DE', country: 'Germany', prefix: '49', description: 'Germany', costPerMinute: '0.0255' },
  { iso: 'FR', country: 'France', prefix: '33', description: 'France', costPerMinute: '0.0230' },
  { iso: 'IN', country: 'India', prefix: '91', description: 'India', costPerMinute: '0.0407' },
  { iso: 'NG', country: 'Nigeria', prefix: '234', description: 'Nigeria', costPerMinute: '0.2150' },
];

/** Twilio's inbound prices, shown for US only (the simulator does not price inbound elsewhere). */
export const US_INBOUND = [
  { base_price: '0.0085', current_price: '0.0085', number_type: 'local' },
  { base_price: '0.022', current_price: '0.022', number_type: 'toll free' },
];

/** Prices by longest matching prefix; built once at start, never re-reading the file per request. */
export class PriceTable {
  private readonly rows: PriceRow[];
  private readonly sorted: PriceRow[];

  constructor(rows: PriceRow[]) {
    this.rows = rows;
    this.sorted = [...rows].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The product's rate deck (cost_per_min column) when the file exists, else the built-in table. */
  static load(rateDeckFile: string | undefined): PriceTable {
    if (rateDeckFile && existsSync(rateDeckFile)) return new PriceTable(parseRateDeck(readFileSync(rateDeckFile, 'utf8')));
    return new PriceTable(BUILT_IN);
  }

  lookup(e164: string): PriceRow | undefined {
    const digits = e164.replace(/^\+/, '');
    return this.sorted.find((row) => digits.startsWith(row.prefix));
  }

  pricePerMinute(e164: string): string | null {
    return this.lookup(e164)?.costPerMinute ?? null;
  }

  countries(): Array<{ iso: string; country: string }> {
    const byIso = new Map<string, string>();
    for (const row of this.rows) if (!byIso.has(row.iso)) byIso.set(row.iso, row.country);
    return [...byIso].map(([iso, country]) => ({ iso, country })).sort((a, b) => a.country.localeCompare(b.country));
  }

  rowsFor(iso: string): PriceRow[] {
    return this.rows.filter((row) => row.iso === iso);
  }
}

/**
 * Header: iso,country,prefix,description,sell_per_min,cost_per_min,...,enabled. Disabled rows are skipped; a bad cell
 * stops the simulator with the line and column named, rather than silently pricing a destination wrong.
 */
export function parseRateDeck(text: string): PriceRow[] {
  // `#` lines are comments in the deck format (data/README.md): data/rates.csv opens with its SAMPLE PRICES note.
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#', comment_no_infix: true }) as Array<Record<string, string>>;
  const rows: PriceRow[] = [];
  records.forEach((r, index) => {
    const line = index + 2;
    const bad = (column: string, expected: string) => new Error(`rate deck line ${line}: ${column} "${r[column] ?? ''}" is not ${expected}`);
    if (/^(false|0|no)$/i.test(r.enabled ?? 'true')) return;
    if (!/^[A-Za-z]{2}$/.test(r.iso ?? '')) throw bad('iso', 'a 2-letter ISO country code');
    if (!/^\+?\d{1,15}$/.test(r.prefix ?? '')) throw bad('prefix', 'a dialling prefix of digits');
    if (!DECIMAL.test(r.cost_per_min ?? '')) throw bad('cost_per_min', 'a decimal amount such as 0.0140');
    rows.push({
      iso: r.iso!.toUpperCase(),
      country: r.country || r.iso!.toUpperCase(),
      prefix: r.prefix!.replace(/^\+/, ''),
      description: r.description || r.country || r.iso!,
      costPerMinute: r.cost_per_min!,
    });
  });
  return rows;
}

const DECIMAL = /^\d+(\.\d{1,6})?$/;

/**
 * Twilio's call price: a negative amount with five decimals for the billed minutes, computed in integer
 * micro-dollars so no binary fraction creeps in.
 */
export function callPrice(ratePerMinute: string, minutes: number): string {
  if (!DECIMAL.test(ratePerMinute)) throw new Error(`not a decimal rate: ${ratePerMinute}`);
  const [whole, fraction = ''] = ratePerMinute.split('.');
  const micros = Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
  const totalMicros = micros * minutes;
  const hundredThousandths = Math.floor((totalMicros + 5) / 10);
  const text = String(hundredThousandths).padStart(6, '0');
  const amount = `${text.slice(0, -5)}.${text.slice(-5)}`;
  return hundredThousandths === 0 ? '0.00000' : `-${amount}`;
}
