import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/**
 * Money reaches people through one formatter (src/money/currency.ts: formatMoney, formatRate, moneyDigits). This scan
 * fails when a page, fragment, email, script or route formats an amount on its own, which is how the same balance
 * came to read $4.68 on one page and $4.676 on another.
 */

function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, extensions);
    return extensions.some((ext) => entry.name.endsWith(ext)) ? [path] : [];
  });
}

const name = (file: string) => relative(projectRoot, file);
const read = (file: string) => readFileSync(file, 'utf8');

/** Files that may print exact micros with formatMicros, each for a reason other than showing money to a person. */
const exactDecimalWriters: Record<string, string> = {
  'src/rates/admin/rate-export.ts': 'the deck export is re-imported: it keeps every micro-unit',
  'src/rates/admin/rate-form.ts': 'the edit form is prefilled with the exact stored price',
  'src/admin/users/users-admin-routes.ts': 'the daily cap field is prefilled with the exact stored cap',
  'src/payments/payments-routes.ts': 'top-up preset buttons submit a plain amount as the form value',
  'src/admin/users/user-admin-service.ts': "the audit row's old and new values are data (JSON), not prose",
  'src/teams/team-forms.ts': 'the member limits form is prefilled with the exact stored spend limits',
  'src/teams/team-money.ts': "the admin team credit's audit values are data (JSON), not prose",
  'src/rates/admin/rates-admin-service.ts': "the audit row's old and new values are data (JSON), not prose",
  'src/wallet/voucher-admin-store.ts': "the audit row's new value is data (JSON), not prose",
  'src/rates/twilio-price-list.ts': 'a markup percentage, not money',
  'src/rates/deck-format.ts': 'the deck’s own unit in an import error, as the admin typed it',
  'src/recordings/recordings-routes.ts': 'the recording price field is prefilled with the exact stored price',
  'src/payments/auto-top-up-routes.ts': 'the automatic top-up fields are prefilled with a plain amount',
};

/** Dividing by a million also turns bytes into megabytes and CPU microseconds into seconds: these files do that, not money. */
const nonMoneyDividers = new Set(['src/http/multipart.ts', 'src/rates/admin/rate-import-routes.ts', 'src/logger.ts', 'src/metrics/metrics.ts', 'src/contacts/contacts-file-routes.ts']);

/** toFixed for sizes, not money: kB in the request log, MB of recordings. */
const nonMoneyDecimals = new Set(['src/logger.ts', 'src/recordings/recording-view.ts']);

function adHocMoneyInSource(file: string, text: string): string[] {
  const found: string[] = [];
  const rel = name(file);
  if (/\.toFixed\(/.test(text) && !nonMoneyDecimals.has(rel)) found.push('toFixed(');
  if (/new Intl\.NumberFormat\(/.test(text)) found.push('new Intl.NumberFormat(');
  if (/\/\s*(1_000_000|1e6|1000000|MICROS_PER_UNIT)\b/.test(text) && !nonMoneyDividers.has(rel)) found.push('divides by a million');
  if (/\bformatMicros\(/.test(text) && !(rel in exactDecimalWriters)) found.push('formatMicros( (exact digits, not the display format)');
  if (/[$€£]\s*\$\{[^}]*(micros|amount|cost|balance|price|money)/i.test(text)) found.push('a currency sign glued to an interpolated number');
  return found;
}

function adHocMoneyInView(text: string): string[] {
  const found: string[] = [];
  if (/[$€£]<%/.test(text)) found.push('a currency sign in front of a template value');
  if (/<%[=~]\s*[\w.]*Micros\s*%>/.test(text)) found.push('prints a raw micros value');
  if (/toFixed|toLocaleString\([^)]*currency|Intl\.NumberFormat/.test(text)) found.push('formats a number itself');
  return found;
}

describe('one money format', () => {
  const sources = filesUnder(join(projectRoot, 'src'), ['.ts']).filter((f) => !/\/src\/(money|sim)\//.test(f));
  const views = filesUnder(join(projectRoot, 'views'), ['.eta']).filter((f) => !/\/views\/sim\//.test(f));
  const scripts = filesUnder(join(projectRoot, 'public'), ['.js']);

  it('finds the files it scans (it would pass vacuously otherwise)', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(views.length).toBeGreaterThan(50);
    expect(scripts.length).toBeGreaterThan(0);
  });

  it('no source file formats money on its own', () => {
    const offenders = sources.map((f) => ({ file: name(f), found: adHocMoneyInSource(f, read(f)) })).filter((o) => o.found.length);
    expect(offenders).toEqual([]);
  });

  it('no page, fragment or email formats money on its own', () => {
    const offenders = views.map((f) => ({ file: name(f), found: adHocMoneyInView(read(f)) })).filter((o) => o.found.length);
    expect(offenders).toEqual([]);
  });

  it('no browser script formats money (a live cost shows amounts the server formatted)', () => {
    const offenders = scripts.filter((f) => /toFixed|Intl\.NumberFormat|[$€£]/.test(read(f))).map(name);
    expect(offenders).toEqual([]);
  });

  it('every file allowed exact digits still uses them (an entry for a file that no longer does is removed)', () => {
    const stale = Object.keys(exactDecimalWriters).filter((rel) => !/\bformatMicros\(/.test(read(join(projectRoot, rel))));
    expect(stale).toEqual([]);
  });

  it('the scan catches what it looks for', () => {
    const fake = join(projectRoot, 'src/calls/fake.ts');
    expect(adHocMoneyInSource(fake, 'const s = `$${(amountMicros / 1_000_000).toFixed(2)}`;')).toEqual(['toFixed(', 'divides by a million', 'a currency sign glued to an interpolated number']);
    expect(adHocMoneyInSource(fake, 'formatMicros(x)')).toHaveLength(1);
    expect(adHocMoneyInView('<td>$<%= it.cost %></td>')).toHaveLength(1);
    expect(adHocMoneyInView('<td><%= it.costMicros %></td>')).toHaveLength(1);
  });
});
