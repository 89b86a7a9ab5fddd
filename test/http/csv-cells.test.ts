import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { csvCell, isFormulaLike, unguardCsvCell } from '../../src/shared/csv.js';
import { adminAgent } from '../admin/helpers.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('CSV cells: formulas defused, numbers untouched (issue 26 #12)', () => {
  it('leaves plain numbers as they are, phone numbers in E.164 and signed amounts included', () => {
    expect(csvCell('+442079460958')).toBe('+442079460958');
    expect(csvCell('-1.50')).toBe('-1.50');
    expect(csvCell('+0.0200')).toBe('+0.0200');
    expect(csvCell('42')).toBe('42');
  });

  it('neutralises =, @, tab and CR starts and + or - starts that are not plain numbers', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvCell('+ Special')).toBe("'+ Special");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('+44 20 7946 0958')).toBe("'+44 20 7946 0958");
  });

  it('reading a guarded cell back gives exactly the original text, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const guarded = isFormulaLike(text) ? `'${text}` : text;
        expect(unguardCsvCell(guarded)).toBe(text);
      }),
      { numRuns: 2000 },
    );
    expect(unguardCsvCell("''=x")).toBe("'=x");
  });

  it('a rates export re-imports unchanged, descriptions starting with + - = @ included', async () => {
    t = await createTestApp();
    const deck = [
      'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled',
      'GB,United Kingdom,44,+ Special,0.0200,0.0100,60,60,0,0,true',
      'GB,United Kingdom,447,- Mobile,0.0300,0.0200,60,60,0,0,true',
      "FR,France,33,=1+2,0.0400,0.0230,60,60,0,0,true",
      "FR,France,336,@home,0.0600,0.0378,60,60,0,0,true",
      // An apostrophe before formula text reads as a guard, in any file (as a spreadsheet would show it).
      "US,United States,1,'=quoted already,0.0100,0.0050,60,60,0,0,true",
    ].join('\n');
    await t.services.money.rates.importDeck({ text: deck });
    const before = await t.testDb.db('rates').orderBy('prefix').select('prefix', 'description', 'sell_per_min_micros');
    expect(before.map((r) => r.description)).toEqual(['=quoted already', '=1+2', '@home', '+ Special', '- Mobile']);
    const { agent } = await adminAgent(t);
    const exported = await agent.get('/admin/rates/export.csv');
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(",'=1+2,");
    await t.services.money.rates.importDeck({ text: exported.text });
    expect(await t.testDb.db('rates').orderBy('prefix').select('prefix', 'description', 'sell_per_min_micros')).toEqual(before);
  });

  it('the export never starts a 200 it cannot finish: a refused query is an error page, a full one ends with every row', async () => {
    t = await createTestApp();
    const { agent } = await adminAgent(t);
    expect((await agent.get('/admin/rates/export.csv?q=%00')).status).toBe(400);
    const rows = Array.from({ length: 4500 }, (_, i) => `GB,United Kingdom,44${String(i).padStart(5, '0')},Range ${i},0.0200,0.0100,60,60,0,0,true`);
    await t.services.money.rates.importDeck({ text: ['iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled', ...rows].join('\n') });
    const all = await agent.get('/admin/rates/export.csv');
    expect(all.status).toBe(200);
    expect(all.text.trimEnd().split('\r\n')).toHaveLength(4501);
  });
});
