import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/calls/history-cursor.js';
import { filterQuery, parseHistoryQuery } from '../../src/calls/history-filters.js';

const STATUSES = ['completed', 'failed', 'cancelled'];

describe('history cursors', () => {
  it('round-trip (created_at, id) and refuse anything else', () => {
    const cursor = { createdAt: '2026-11-22T10:00:00.123Z', id: 'c_abc123' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('nonsense!')).toBeUndefined();
    expect(decodeCursor(Buffer.from('2026-11-22|x').toString('base64url'))).toBeUndefined();
    expect(decodeCursor(Buffer.from('2026-11-22T10:00:00Z|a|b').toString('base64url'))).toBeUndefined();
  });
});

describe('history filters', () => {
  it('parse every filter, normalising country and number', () => {
    const parsed = parseHistoryQuery({ status: 'completed', country: 'gb', from: '2026-11-01', to: '2026-11-22', number: '+44 20-7946', limit: '10' }, STATUSES);
    expect(parsed).toEqual({ ok: true, filter: { status: 'completed', country: 'GB', from: '2026-11-01', to: '2026-11-22', number: '44207946' }, cursor: undefined, limit: 10 });
    expect(parseHistoryQuery({}, STATUSES)).toEqual({ ok: true, filter: {}, cursor: undefined, limit: 25 });
    expect(parseHistoryQuery({ status: 'live' }, STATUSES)).toMatchObject({ ok: true, filter: { status: 'live' } });
  });

  it('name the field that is wrong, including repeated parameters', () => {
    expect(parseHistoryQuery({ status: 'done' }, STATUSES)).toMatchObject({ ok: false, field: 'status' });
    expect(parseHistoryQuery({ status: ['completed', 'failed'] }, STATUSES)).toMatchObject({ ok: false, field: 'status' });
    expect(parseHistoryQuery({ country: 'GBR' }, STATUSES)).toMatchObject({ ok: false, field: 'country' });
    expect(parseHistoryQuery({ from: '2026-02-30' }, STATUSES)).toMatchObject({ ok: false, field: 'from' });
    expect(parseHistoryQuery({ from: '2026-11-22', to: '2026-11-01' }, STATUSES)).toMatchObject({ ok: false, field: 'to' });
    expect(parseHistoryQuery({ number: '44abc' }, STATUSES)).toMatchObject({ ok: false, field: 'number' });
    expect(parseHistoryQuery({ cursor: 'zzz' }, STATUSES)).toMatchObject({ ok: false, field: 'cursor' });
    expect(parseHistoryQuery({ limit: '0' }, STATUSES)).toMatchObject({ ok: false, field: 'limit' });
    expect(parseHistoryQuery({ limit: '101' }, STATUSES)).toMatchObject({ ok: false, field: 'limit' });
  });

  it('read the country as a name, an alias, an ISO code or a calling code', () => {
    const country = (text: string) => parseHistoryQuery({ country: text }, STATUSES);
    expect(country('United Kingdom')).toMatchObject({ ok: true, filter: { country: 'GB' } });
    expect(country('UK')).toMatchObject({ ok: true, filter: { country: 'GB' } });
    expect(country('Côte d’Ivoire')).toMatchObject({ ok: true, filter: { country: 'CI' } });
    expect(country('ivory coast')).toMatchObject({ ok: true, filter: { country: 'CI' } });
    expect(country('de')).toMatchObject({ ok: true, filter: { country: 'DE' } });
    expect(country('44')).toEqual({ ok: true, filter: { callingCode: '44' }, cursor: undefined, limit: 25 });
    expect(country('+1')).toMatchObject({ ok: true, filter: { callingCode: '1' } });
    expect(country('0033')).toMatchObject({ ok: true, filter: { callingCode: '33' } });
    expect(country('Atlantis')).toMatchObject({ ok: false, field: 'country', message: expect.stringContaining('No country is called “Atlantis”') });
    expect(country('+999')).toMatchObject({ ok: false, field: 'country', message: expect.stringContaining('+999') });
    expect(country('Congo')).toMatchObject({ ok: false, field: 'country', message: expect.stringContaining('type more of the name') });
    expect(filterQuery({ callingCode: '44', status: 'completed' })).toBe('?status=completed&country=%2B44');
  });

  it('rebuild a query string for links', () => {
    expect(filterQuery({ status: 'completed', country: 'GB' }, { cursor: 'abc' })).toBe('?status=completed&country=GB&cursor=abc');
    expect(filterQuery({})).toBe('');
  });
});
