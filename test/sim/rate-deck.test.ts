import { describe, expect, it } from 'vitest';
import { PriceTable, callPrice, parseRateDeck } from '../../src/sim/pricing.js';

const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';

describe('rate deck', () => {
  it('parses enabled rows and prices by the longest prefix', () => {
    const table = new PriceTable(parseRateDeck([HEADER, 'gb,United Kingdom,+44,,0.03,0.0158,60,60,0,0,true', 'GB,United Kingdom,447,Mobile,0.06,0.0378,60,60,0,0,1', 'US,United States,1,,0.02,0.0140,60,60,0,0,false'].join('\n')));
    expect(table.pricePerMinute('+447700900123')).toBe('0.0378');
    expect(table.pricePerMinute('+442071838750')).toBe('0.0158');
    expect(table.pricePerMinute('+14155550100')).toBeNull();
    expect(table.lookup('+442071838750')).toMatchObject({ iso: 'GB', prefix: '44', description: 'United Kingdom' });
  });

  it('names the line and column of a bad cell', () => {
    expect(() => parseRateDeck([HEADER, 'GB,UK,44,,0.03,abc,60,60,0,0,true'].join('\n'))).toThrow('rate deck line 2: cost_per_min "abc" is not a decimal amount');
    expect(() => parseRateDeck([HEADER, 'GB,UK,44,,0.03,0.01,60,60,0,0,true', 'XYZ,UK,44,,0.03,0.01,60,60,0,0,true'].join('\n'))).toThrow('rate deck line 3: iso');
    expect(() => parseRateDeck([HEADER, 'GB,UK,4a4,,0.03,0.01,60,60,0,0,true'].join('\n'))).toThrow('prefix');
  });

  it('computes call prices exactly, in five decimals, negative', () => {
    expect(callPrice('0.0378', 2)).toBe('-0.07560');
    expect(callPrice('0.013', 3)).toBe('-0.03900');
    expect(callPrice('0.1', 3)).toBe('-0.30000');
    expect(callPrice('1.234567', 1)).toBe('-1.23457');
    expect(callPrice('0.0140', 0)).toBe('0.00000');
  });
});
