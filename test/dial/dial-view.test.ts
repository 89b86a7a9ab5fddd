import { describe, expect, it } from 'vitest';
import type { User } from '../../src/accounts/users-repository.js';
import { countryParam, defaultCountry, dialPreviewView, liveCallLinks, queryText, type DialPreviewInput } from '../../src/dial/dial-view.js';
import type { Quote } from '../../src/rates/rate-deck-service.js';
import { rate } from '../rating/arbitraries.js';

const user = (overrides: Partial<User> = {}): User => ({
  id: 7,
  email: 'ada@example.com',
  name: 'Ada',
  role: 'user',
  phoneE164: '+12015550123',
  phoneVerifiedAt: '2026-11-01T00:00:00.000Z',
  createdAt: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

const uk = rate({ prefix: '44', iso: 'GB', sellPerMinMicros: 180_900 });
const us = rate({ prefix: '1', iso: 'US', country: 'United States', description: 'United States', sellPerMinMicros: 10_000 });
const priced = (overrides: Partial<Extract<Quote, { ok: true }>> = {}): Quote => ({
  ok: true,
  e164: '+442079460958',
  rate: uk,
  firstLegRate: us,
  perMinuteMicros: 190_900,
  tariffs: { first: us, bridged: uk },
  maxSeconds: 600,
  typicalSetupSeconds: 15,
  worstCaseSeconds: 560,
  ...overrides,
});
const input = (overrides: Partial<DialPreviewInput> = {}): DialPreviewInput => ({
  typed: '020 7946 0958',
  user: user(),
  liveCall: null,
  quote: priced(),
  availableMicros: 2_000_000,
  currency: 'USD',
  ...overrides,
});

describe('dialPreviewView', () => {
  it('is ready with both legs, the total, the number as people read it and the longest call', () => {
    const view = dialPreviewView(input());
    expect(view.state).toBe('ready');
    expect(view.price).toMatchObject({
      international: '+44 20 7946 0958',
      ownLegPerMinute: '$0.0100/min',
      destinationPerMinute: '$0.1809/min',
      perMinute: '$0.1909/min',
      longestCall: 'about 10 min',
      available: '$2.0000',
    });
  });

  it('says nothing until something is typed, even during a call', () => {
    expect(dialPreviewView(input({ typed: ' ', quote: undefined, liveCall: { id: 'c1' } }))).toEqual({ state: 'empty' });
  });

  it('refuses in the order the user can fix things: the live call, the number, their phone, their credit', () => {
    const badNumber: Quote = { ok: false, reason: 'premium', message: 'Premium-rate numbers cannot be called.' };
    expect(dialPreviewView(input({ liveCall: { id: 'c/1' }, quote: badNumber }))).toMatchObject({ reason: 'live-call', link: { href: '/calls/c%2F1' } });
    expect(dialPreviewView(input({ quote: badNumber, user: user({ phoneVerifiedAt: null }) }))).toEqual({ state: 'refused', reason: 'premium', message: badNumber.message });
    const noPhone = dialPreviewView(input({ user: user({ phoneVerifiedAt: null }), quote: priced({ firstLegRate: undefined, maxSeconds: 0, worstCaseSeconds: 0 }) }));
    expect(noPhone).toMatchObject({ reason: 'no-phone', link: { href: '/account/phone' }, price: { destinationPerMinute: '$0.1809/min' } });
    expect(dialPreviewView(input({ quote: priced({ firstLegRate: { ...us, enabled: false } }) }))).toMatchObject({ reason: 'own-number-not-rated' });
    expect(dialPreviewView(input({ quote: priced({ maxSeconds: 90, worstCaseSeconds: 59 }), availableMicros: 100_000 }))).toMatchObject({
      reason: 'insufficient-credit',
      message: 'Not enough credit: $0.1000 does not pay for a one-minute call to this number at $0.1909/min.',
      link: { href: '/wallet#top-up', text: 'Add credit' },
    });
    expect(dialPreviewView(input({ quote: priced({ maxSeconds: 100, worstCaseSeconds: 60 }) })).state).toBe('ready');
  });
});

describe('defaultCountry', () => {
  const offered = new Set(['FR', 'GB', 'US', 'AD']);

  it('prefers the requested country, then the last one called, then the own phone, then the US', () => {
    expect(defaultCountry(offered, { requested: 'FR', lastUsed: 'GB', user: user() })).toBe('FR');
    expect(defaultCountry(offered, { lastUsed: 'GB', user: user() })).toBe('GB');
    expect(defaultCountry(offered, { lastUsed: null, user: user({ phoneE164: '+33612345678' }) })).toBe('FR');
    expect(defaultCountry(offered, { lastUsed: null, user: user({ phoneVerifiedAt: null, phoneE164: '+33612345678' }) })).toBe('US');
  });

  it('skips countries the deck does not offer', () => {
    expect(defaultCountry(offered, { requested: 'ZZ', lastUsed: 'DE', user: user({ phoneE164: '+442079460958' }) })).toBe('GB');
    expect(defaultCountry(new Set(['AD', 'FR']), { lastUsed: null, user: user() })).toBe('AD');
    expect(defaultCountry(new Set(), { lastUsed: 'GB', user: user() })).toBe('US');
  });
});

describe('query parameters', () => {
  it('reads plain strings only, and two-letter country codes', () => {
    expect(queryText('+44 20')).toBe('+44 20');
    expect(queryText(['a', 'b'])).toBe('');
    expect(queryText('x'.repeat(100))).toHaveLength(60);
    expect(countryParam('gb')).toBe('GB');
    expect(countryParam('GBR')).toBeUndefined();
    expect(countryParam(['GB'])).toBeUndefined();
    expect(liveCallLinks({ id: 'abc' })).toEqual({ pageUrl: '/calls/abc', statusUrl: '/calls/abc/status' });
  });
});
