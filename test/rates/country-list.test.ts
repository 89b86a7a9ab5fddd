import { describe, expect, it } from 'vitest';
import { countryPrices, foldForSearch, matchesCountry } from '../../src/rates/country-list.js';
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

describe('country search (what people type)', () => {
  const deck = [
    ['GB', 'United Kingdom', '44'],
    ['UA', 'Ukraine', '380'],
    ['US', 'United States', '1'],
    ['AU', 'Australia', '61'],
    ['CI', 'Côte d’Ivoire', '225'],
    ['CW', 'Curaçao', '599'],
    ['RE', 'Réunion', '262'],
    ['AX', 'Åland Islands', '358'],
    ['KN', 'St. Kitts & Nevis', '1869'],
    ['BA', 'Bosnia & Herzegovina', '387'],
    ['VI', 'U.S. Virgin Islands', '1340'],
    ['TR', 'Türkiye', '90'],
  ].map(([iso, country, prefix]) => rate({ iso: iso!, country: country!, prefix: prefix!, sellPerMinMicros: 10_000 }));
  const find = (query: string) => countryPrices(deck, query).map((c) => c.iso);

  it.each([
    ['uk', 'GB'],
    ['UK', 'GB'],
    ['britain', 'GB'],
    ['Great Britain', 'GB'],
    ['england', 'GB'],
    ['usa', 'US'],
    ['U.S.A.', 'US'],
    ['america', 'US'],
    ['cote', 'CI'],
    ["cote d'ivoire", 'CI'],
    ['ivory coast', 'CI'],
    ['curacao', 'CW'],
    ['reunion', 'RE'],
    ['aland', 'AX'],
    ['ÅLAND', 'AX'],
    ['turkey', 'TR'],
    ['turkiye', 'TR'],
    ['saint kitts', 'KN'],
    ['st kitts', 'KN'],
    ['bosnia and herzegovina', 'BA'],
    ['us virgin', 'VI'],
  ])('"%s" finds %s first', (query, iso) => {
    expect(find(query)[0]).toBe(iso);
  });

  it('puts exact and word-start matches before matches inside a name', () => {
    expect(find('uk')).toEqual(['GB', 'UA']);
    expect(find('us')).toEqual(['US', 'VI', 'AU']);
  });

  it('still searches by calling code and lists everything for an empty query', () => {
    expect(find('+1')).toEqual(['KN', 'VI', 'US']);
    expect(find('38')).toEqual(['BA', 'UA']);
    expect(find('+380')).toEqual(['UA']);
    expect(find('  ')).toHaveLength(deck.length);
    expect(find('+')).toHaveLength(deck.length);
    expect(find('narnia')).toEqual([]);
  });
});

describe('matchesCountry and foldForSearch (shared with the dial page picker)', () => {
  it('match one country by name, alias, ISO code or calling code', () => {
    expect(matchesCountry('reunion', 'RE', 'Réunion')).toBe(true);
    expect(matchesCountry('britain', 'GB', 'United Kingdom')).toBe(true);
    expect(matchesCountry('gb', 'GB', 'United Kingdom')).toBe(true);
    expect(matchesCountry('+44', 'GB', 'United Kingdom')).toBe(true);
    expect(matchesCountry('france', 'GB', 'United Kingdom')).toBe(false);
  });

  it('folds accents, case and punctuation', () => {
    expect(foldForSearch('Côte d’Ivoire')).toBe('cote divoire');
    expect(foldForSearch('  São Tomé & Príncipe ')).toBe('sao tome and principe');
    expect(foldForSearch('U.S. Virgin Islands')).toBe('us virgin islands');
  });
});
