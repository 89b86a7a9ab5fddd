import { describe, expect, it } from 'vitest';
import { countryPrices } from '../../src/rates/country-list.js';
import { rate } from '../rating/arbitraries.js';

const rates = [
  rate({ iso: 'GB', country: 'United Kingdom', prefix: '44', sellPerMinMicros: 20_000 }),
  rate({ iso: 'GB', country: 'United Kingdom', prefix: '447', description: 'United Kingdom - Mobile', sellPerMinMicros: 80_000 }),
  rate({ iso: 'GG', country: 'Guernsey', prefix: '441481', sellPerMinMicros: 50_000 }),
  rate({ iso: 'FR', country: 'France', prefix: '33', sellPerMinMicros: 30_000, enabled: false }),
  rate({ iso: 'DE', country: 'Germany', prefix: '49', sellPerMinMicros: 25_000 }),
];

describe('countryPrices', () => {
  it('lists enabled countries by name with flag, calling code and prices', () => {
    expect(countryPrices(rates)).toEqual([
      { iso: 'DE', country: 'Germany', flag: '🇩🇪', callingCode: '49', perMinuteMicros: 25_000, mobilePerMinuteMicros: undefined },
      { iso: 'GG', country: 'Guernsey', flag: '🇬🇬', callingCode: '44', perMinuteMicros: 50_000, mobilePerMinuteMicros: undefined },
      { iso: 'GB', country: 'United Kingdom', flag: '🇬🇧', callingCode: '44', perMinuteMicros: 20_000, mobilePerMinuteMicros: 80_000 },
    ]);
  });

  it('searches by name, ISO code and calling code', () => {
    expect(countryPrices(rates, 'king').map((c) => c.iso)).toEqual(['GB']);
    expect(countryPrices(rates, 'de').map((c) => c.iso)).toEqual(['DE']);
    expect(countryPrices(rates, '+44').map((c) => c.iso)).toEqual(['GG', 'GB']);
    expect(countryPrices(rates, 'france')).toEqual([]);
  });
});
