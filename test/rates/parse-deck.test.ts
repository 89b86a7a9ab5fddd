import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeck, type ParseResult } from '../../src/rates/parse-deck.js';
import { parseMicros } from '../../src/money/micros.js';

const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';
const GB = 'GB,United Kingdom,44,United Kingdom,0.0200,0.0100,60,60,0.00,0.00,true';
const GB_MOBILE = 'GB,United Kingdom,447,United Kingdom - Mobile,0.0800,0.0500,30,6,0.01,0.02,yes';

async function parseText(text: string | Buffer): Promise<ParseResult> {
  return parseDeck({ text });
}

function errorsOf(result: ParseResult) {
  if (result.ok) throw new Error('expected the file to be refused');
  return result.errors;
}

describe('parseDeck: our format', () => {
  it('reads a valid deck into micro-unit rates', async () => {
    const result = await parseText([HEADER, GB, GB_MOBILE].join('\n'));
    expect(result).toMatchObject({ ok: true, format: 'callbridge' });
    if (!result.ok) return;
    expect(result.rates[1]).toEqual({
      iso: 'GB',
      country: 'United Kingdom',
      prefix: '447',
      description: 'United Kingdom - Mobile',
      sellPerMinMicros: 80_000,
      costPerMinMicros: 50_000,
      firstIncrementS: 30,
      nextIncrementS: 6,
      connectionFeeMicros: 10_000,
      minimumChargeMicros: 20_000,
      enabled: true,
    });
  });

  it('handles a UTF-8 BOM, CRLF line ends, comment lines and `;` separators', async () => {
    const text = `\uFEFF# SAMPLE prices\r\n${HEADER.replaceAll(',', ';')}\r\n${GB.replaceAll(',', ';')}\r\n${GB_MOBILE.replaceAll(',', ';')}\r\n`;
    const result = await parseText(text);
    expect(result.ok && result.rates.map((r) => r.prefix)).toEqual(['44', '447']);
  });

  it('reads decimal commas in `;` files, as European spreadsheets write them', async () => {
    const result = await parseText(`${HEADER.replaceAll(',', ';')}\nGB;United Kingdom;44;UK;0,0200;0,01;60;60;0;0;true\n`);
    expect(result.ok && result.rates[0]).toMatchObject({ sellPerMinMicros: 20_000, costPerMinMicros: 10_000 });
  });

  it('accepts columns in any order and quoted cells', async () => {
    const header = 'prefix,iso,country,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';
    const result = await parseText(`${header}\n44,GB,"United Kingdom, The",UK,0.02,0.01,60,60,0,0,1\n`);
    expect(result.ok && result.rates[0]?.country).toBe('United Kingdom, The');
  });

  it('refuses a wrong header, naming what is missing', async () => {
    const errors = errorsOf(await parseText(`iso,country,prefix,price\n${GB}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 1 });
    expect(errors[0]!.message).toMatch(/wrong header.*missing description, sell_per_min.*unexpected "price"/);
  });

  it('refuses an empty file and a header without rows', async () => {
    expect(errorsOf(await parseText(''))[0]!.message).toMatch(/the file is empty/);
    expect(errorsOf(await parseText('\uFEFF\r\n'))[0]!.message).toMatch(/the file is empty/);
    expect(errorsOf(await parseText(`${HEADER}\n`))[0]!.message).toMatch(/no rates/);
  });

  it('names the line and column of a bad number, a negative price, an unknown country and a duplicate prefix', async () => {
    const rows = [
      HEADER,
      GB,
      'FR,France,33,France,abc,0.01,60,60,0,0,true',
      'DE,Germany,49,Germany,0.02,-0.01,60,60,0,0,true',
      'XX,Nowhere,999,Nowhere,0.02,0.01,60,60,0,0,true',
      'GB,United Kingdom,44,Again,0.02,0.01,60,60,0,0,true',
      'IT,Italy,39,Italy,0.02,0.01,0,60,0,0,maybe',
      'ES,Spain,44,Spain,0.02,0.01,60,60,0,0,true',
      'PT,Portugal,351,Portugal,0.01,0.02,60,60,0,0,true',
      'NL,Netherlands,31,Netherlands,0.02',
    ];
    const errors = errorsOf(await parseText(rows.join('\n')));
    expect(errors).toEqual([
      { line: 3, column: 'sell_per_min', message: expect.stringMatching(/"abc" is not a price/) },
      { line: 4, column: 'cost_per_min', message: 'price -0.01 must not be negative' },
      { line: 5, column: 'iso', message: expect.stringMatching(/unknown country "XX"/) },
      { line: 6, column: 'prefix', message: 'duplicate prefix 44 (first on line 2)' },
      { line: 7, column: 'first_increment_s', message: expect.stringMatching(/not an increment/) },
      { line: 7, column: 'enabled', message: '"maybe" is not true or false' },
      { line: 8, column: 'prefix', message: "prefix 44 does not start with ES's calling code +34" },
      { line: 9, column: 'sell_per_min', message: 'sell price 0.01 is below cost 0.02' },
      { line: 10, message: 'expected 11 columns, found 5' },
    ]);
  });

  it('counts lines correctly across quoted multi-line cells and comments', async () => {
    const text = `# comment\n${HEADER}\nGB,"United\nKingdom",44,UK,0.02,0.01,60,60,0,0,true\nFR,France,33,France,x,0.01,60,60,0,0,true\n`;
    expect(errorsOf(await parseText(text))[0]).toMatchObject({ line: 5, column: 'sell_per_min' });
  });

  it('refuses 20 MB of garbage quickly with one clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deck-'));
    const file = join(dir, 'garbage.csv');
    writeFileSync(file, randomBytes(20 * 1024 * 1024));
    const errors = errorsOf(await parseDeck({ path: file }));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/wrong header|not a rate file|broken quoting|unreadable CSV/);
  });

  it('refuses garbage after a valid header without reading it all into the error list', async () => {
    const garbage = Array.from({ length: 500 }, (_, i) => `junk${i},x`).join('\n');
    const result = await parseDeck({ text: `${HEADER}\n${garbage}` }, { maxErrors: 20 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(20);
      expect(result.truncated).toBe(true);
    }
  });
});

describe('parseDeck: Twilio price list', () => {
  const header = 'ISO,Country,Description,Price / min,Origination Prefixes,Destination Prefixes';

  it('uses Twilio prices as cost and adds the markup for the sell price', async () => {
    const text = [
      header,
      'AT,Austria,Programmable Outbound Minute - Austria - Mobile,0.24000,,"43664, 4367"',
      'AT,Austria,Programmable Outbound Minute - Austria,0.01500,,43',
      'AT,Austria,Programmable Outbound Minute - Austria - Mobile,0.30000,"1, 44","4367"',
    ].join('\r\n');
    const result = await parseDeck({ text }, { twilioMarkupPercentMicros: parseMicros('25') });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.format).toBe('twilio');
    const byPrefix = Object.fromEntries(result.rates.map((r) => [r.prefix, r]));
    expect(Object.keys(byPrefix).sort()).toEqual(['43', '43664', '4367']);
    expect(byPrefix['43664']).toMatchObject({ costPerMinMicros: 240_000, sellPerMinMicros: 300_000, description: 'Austria - Mobile', firstIncrementS: 60 });
    // The same prefix priced for several origins: the dearest is the cost basis.
    expect(byPrefix['4367']).toMatchObject({ costPerMinMicros: 300_000, sellPerMinMicros: 375_000 });
    expect(byPrefix['43']).toMatchObject({ costPerMinMicros: 15_000, sellPerMinMicros: 18_750 });
  });

  it('validates Twilio rows too', async () => {
    const text = `${header}\nAT,Austria,Austria,-1,,43\nZZ,Nowhere,Nowhere,0.1,,999\nAT,Austria,Austria,0.1,,\n`;
    const errors = errorsOf(await parseDeck({ text }));
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'Price / min'],
      [3, 'ISO'],
      [4, 'Destination Prefixes'],
    ]);
  });
});

describe('applyMarkup', () => {
  it('never sells below cost and rounds up to a whole micro', async () => {
    const fc = (await import('fast-check')).default;
    const { applyMarkup } = await import('../../src/rates/twilio-price-list.js');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), fc.integer({ min: 0, max: 500_000_000 }), (cost, percentMicros) => {
        const sell = applyMarkup(cost, percentMicros);
        expect(Number.isSafeInteger(sell)).toBe(true);
        expect(sell).toBeGreaterThanOrEqual(cost);
        // Exact: sell is the smallest integer >= cost × (1 + percent/100).
        expect(BigInt(sell) * 100_000_000n >= BigInt(cost) * (100_000_000n + BigInt(percentMicros))).toBe(true);
        expect(BigInt(sell - 1) * 100_000_000n < BigInt(cost) * (100_000_000n + BigInt(percentMicros)) || sell === 0).toBe(true);
      }),
    );
    expect(applyMarkup(240_000, 25_000_000)).toBe(300_000);
  });
});
