import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { dataDir } from '../../src/paths.js';
import { DeckImportError } from '../../src/rates/deck-errors.js';
import { RateDeckService, seedRatesIfEmpty } from '../../src/rates/rate-deck-service.js';
import { countRates } from '../../src/rates/rate-repository.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const HEADER = 'iso,country,prefix,description,sell_per_min,cost_per_min,first_increment_s,next_increment_s,connection_fee,minimum_charge,enabled';
const deck = (...rows: string[]) => ({ text: [HEADER, ...rows].join('\n') });

let t: TestDb;
let service: RateDeckService;
beforeEach(async () => {
  t = await createTestDb();
  service = new RateDeckService({ db: t.db, clock: new ManualClock() });
});
afterEach(async () => {
  await t.destroy();
});

describe('seedRatesIfEmpty', () => {
  it('imports data/rates.csv into an empty rates table, once', async () => {
    const file = join(dataDir, 'rates.csv');
    const imported = await seedRatesIfEmpty(t.db, file);
    expect(imported).toBeGreaterThan(1000);
    expect(await countRates(t.db)).toBe(imported);
    expect(await seedRatesIfEmpty(t.db, file)).toBe(0);
    await service.reload();
    expect(service.lookup('+442079460958')?.iso).toBe('GB');
    expect(service.lookup('+14165550123')?.iso).toBe('CA');
  });
});

describe('RateDeckService', () => {
  it('imports a 50,000-row deck in one go and finds every prefix (timing lives in bench/money.bench.ts)', async () => {
    const { syntheticDeckCsv } = await import('../../bench/synthetic-deck.js');
    const result = await service.importDeck({ text: syntheticDeckCsv(50_000) });
    expect(result.count).toBe(50_000);
    expect(await countRates(t.db)).toBe(50_000);
    const fresh = new RateDeckService({ db: t.db });
    await fresh.ready();
    expect(fresh.size).toBe(50_000);
    for (const rate of fresh.rates().slice(0, 500)) expect(service.lookup(`${rate.prefix}123`)?.prefix).toBe(rate.prefix);
  });

  it('stores every row as parsed, field for field, whatever the deck size (batched inserts and their remainder)', async () => {
    for (const size of [1, 9, 10, 23]) {
      const rows = Array.from({ length: size }, (_unused, i) =>
        `GB,United Kingdom,44${100 + i},UK ${i},0.${String(1000 + i).padStart(4, '0')},0.0${i % 10}01,${1 + (i % 60)},${1 + (i % 7)},0.00${i % 10},0.01${i % 10},${i % 2 === 0}`,
      );
      await service.importDeck(deck(...rows));
      const fresh = new RateDeckService({ db: t.db });
      await fresh.reload();
      expect(fresh.size).toBe(size);
      const stored = [...fresh.rates()].sort((a, b) => a.prefix.localeCompare(b.prefix));
      const imported = [...service.rates()].sort((a, b) => a.prefix.localeCompare(b.prefix));
      expect(stored).toEqual(imported);
      expect(stored[size - 1]).toMatchObject({ prefix: `44${100 + size - 1}`, description: `UK ${size - 1}`, sellPerMinMicros: 100_000 + (size - 1) * 100, enabled: (size - 1) % 2 === 0 });
    }
  });

  it('applies a valid deck and rebuilds the in-memory index', async () => {
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true'));
    expect(service.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
    const result = await service.importDeck(deck('GB,United Kingdom,44,UK,0.03,0.01,60,60,0,0,true', 'FR,France,33,France,0.02,0.01,60,60,0,0,false'));
    expect(result).toEqual({ format: 'callbridge', count: 2 });
    expect(service.lookup('442079460958')?.sellPerMinMicros).toBe(30_000);
    expect(service.lookup('33123456789')?.enabled).toBe(false);
    const fresh = new RateDeckService({ db: t.db });
    await fresh.reload();
    expect(fresh.lookup('33123456789')).toMatchObject({ iso: 'FR', sellPerMinMicros: 20_000, costPerMinMicros: 10_000, enabled: false });
  });

  it('notices, within seconds, a deck another process imported', async () => {
    const clock = new ManualClock();
    const web = new RateDeckService({ db: t.db, clock });
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true'));
    await web.ready();
    expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.04,0.01,60,60,0,0,true'));
    await web.ready();
    expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
    clock.advance(5_000);
    await web.ready();
    expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(40_000);
  });

  it('a busy process checks the version in the background: no request waits for it, the next one sees the change', async () => {
    const clock = new ManualClock();
    const web = new RateDeckService({ db: t.db, clock });
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true'));
    await web.ready();
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.04,0.01,60,60,0,0,true'));
    clock.advance(1_500);
    const reads: string[] = [];
    const listener = (query: { sql: string }) => reads.push(query.sql);
    t.db.on('query', listener);
    try {
      await web.ready();
      // Answered from memory before the version read came back: this request still prices with the deck it had.
      expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
      await vi.waitFor(() => expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(40_000));
      expect(reads.length).toBeGreaterThan(0);
    } finally {
      t.db.off('query', listener);
    }
  });

  it('an idle process checks before answering, and a failed background check is reported by the next request', async () => {
    const clock = new ManualClock();
    const web = new RateDeckService({ db: t.db, clock });
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true'));
    await web.ready();
    await t.db.schema.renameTable('settings', 'settings_away');
    try {
      clock.advance(1_500);
      await web.ready();
      clock.advance(100);
      await vi.waitFor(() => expect(web.ready()).rejects.toThrow());
    } finally {
      await t.db.schema.renameTable('settings_away', 'settings');
    }
    await web.ready();
    expect(web.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
  });

  it('changes nothing, in the table or in memory, when any row is bad', async () => {
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true'));
    const bad = deck('GB,United Kingdom,44,UK,0.05,0.01,60,60,0,0,true', 'FR,France,33,France,-1,0.01,60,60,0,0,true');
    const error = await service.importDeck(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeckImportError);
    expect((error as DeckImportError).message).toMatch(/line 3, column sell_per_min: price -1 must not be negative/);
    expect((error as DeckImportError).errors).toHaveLength(1);
    expect(await countRates(t.db)).toBe(1);
    expect(service.lookup('442079460958')?.sellPerMinMicros).toBe(20_000);
    await service.importDeck({ text: '' }).catch(() => undefined);
    expect(await countRates(t.db)).toBe(1);
  });

  it('quotes a typed number: destination, price per minute for both legs, longest call', async () => {
    await service.importDeck(
      deck(
        'GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true',
        'GB,United Kingdom,447,UK - Mobile,0.10,0.05,60,60,0,0,true',
        'US,United States,1,US,0.01,0.005,60,60,0,0,true',
        'FR,France,33,France,0.02,0.01,60,60,0,0,false',
      ),
    );
    const quote = service.quote({ to: '+44 7400 123456', from: '+12015550123', availableMicros: 1_000_000 });
    expect(quote).toMatchObject({ ok: true, e164: '+447400123456', perMinuteMicros: 110_000, maxSeconds: 539, worstCaseSeconds: 540 });
    // The estimate assumes a typical 15 s set-up, the refusal the worst case (20 s prompt, 30 s ringing, 5 s buffer);
    // both legs bill per started minute, so ten minutes of the bridged leg bind either way; the cut comes a second early.
    expect(service.quote({ to: '+447400123456', availableMicros: 1_000_000, freeSeconds: 120 })).toMatchObject({ ok: true, maxSeconds: 719 });
    expect(service.quote({ to: '+33 1 23 45 67 89', availableMicros: 1 })).toMatchObject({ ok: false, reason: 'disabled' });
    expect(service.quote({ to: '+49 30 123456', availableMicros: 1 })).toMatchObject({ ok: false, reason: 'no-rate' });
    expect(service.quote({ to: '+1 900 555 1234', availableMicros: 1 })).toMatchObject({ ok: false, reason: 'premium' });
    expect(service.quote({ to: 'hello', availableMicros: 1 })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('reads national input in the given country and international input as typed', async () => {
    await service.importDeck(deck('GB,United Kingdom,44,UK,0.02,0.01,60,60,0,0,true', 'US,United States,1,US,0.01,0.005,60,60,0,0,true'));
    expect(service.checkDestination('020 7946 0958', 'GB')).toMatchObject({ ok: true, e164: '+442079460958', rate: { iso: 'GB' } });
    expect(service.checkDestination('020 7946 0958')).toMatchObject({ ok: false, reason: 'invalid' });
    expect(service.checkDestination('+1 201 555 0123', 'GB')).toMatchObject({ ok: true, e164: '+12015550123', rate: { iso: 'US' } });
    expect(service.quote({ to: '(201) 555-0123', defaultCountry: 'US', availableMicros: 1_000_000 })).toMatchObject({ ok: true, e164: '+12015550123' });
  });
});
