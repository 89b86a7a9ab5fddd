import { describe, expect, it } from 'vitest';
import { parseMarkupForm, repriced } from '../../src/rates/admin/markup.js';
import { diffDecks, packRates, unpackRates } from '../../src/rates/admin/rate-import-diff.js';
import { parseRateFilter, searchTerms } from '../../src/rates/admin/rate-filter.js';
import { parseRateForm, rateToValues } from '../../src/rates/admin/rate-form.js';
import { creditAdjustmentForm, parseCents } from '../../src/admin/users/user-admin-forms.js';
import { rate } from '../rating/arbitraries.js';

describe('markup', () => {
  it('reprices from cost by percent or fixed margin, rounded up to the step, never below cost', () => {
    expect(repriced(12_345, { mode: 'percent', amountMicros: 20_000_000, stepMicros: 1 })).toBe(14_814);
    expect(repriced(12_345, { mode: 'percent', amountMicros: 20_000_000, stepMicros: 1_000 })).toBe(15_000);
    expect(repriced(12_345, { mode: 'margin', amountMicros: 5_000, stepMicros: 100 })).toBe(17_400);
    expect(repriced(12_345, { mode: 'percent', amountMicros: 0, stepMicros: 10_000 })).toBe(20_000);
    for (const cost of [0, 1, 99, 123_456, 9_999_999]) expect(repriced(cost, { mode: 'percent', amountMicros: 12_500_000, stepMicros: 100 })).toBeGreaterThanOrEqual(cost);
  });

  it('parses the markup form strictly', () => {
    expect(parseMarkupForm({ mode: 'percent', amount: '12.5', step: '0.001' })).toEqual({ ok: true, markup: { mode: 'percent', amountMicros: 12_500_000, stepMicros: 1_000 } });
    for (const amount of ['1e3', '0x10', '-5', '', 'Infinity', '1001']) expect(parseMarkupForm({ mode: 'percent', amount, step: '0.001' }).ok, amount).toBe(false);
    expect(parseMarkupForm({ mode: 'margin', amount: '0.005', step: '0.3' }).ok).toBe(false);
    expect(parseMarkupForm({ mode: ['percent'], amount: '5', step: '0.001' }).ok).toBe(false);
  });
});

describe('rate form', () => {
  it('validates with the deck rules and round-trips a stored rate', () => {
    const r = rate({ prefix: '4420', iso: 'GB', country: 'United Kingdom', sellPerMinMicros: 20_000, costPerMinMicros: 10_000 });
    const parsed = parseRateForm(rateToValues(r));
    expect(parsed).toEqual({ ok: true, rate: r });
    const bad = parseRateForm({ ...rateToValues(r), cost_per_min: '0.1x', enabled: ['true', 'false'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.cost_per_min).toMatch(/is not a price/);
      expect(bad.errors.enabled).toMatch(/is not true or false/);
    }
  });
});

describe('import diff', () => {
  it('finds added, changed and removed rows by prefix, and packs rates losslessly', () => {
    const a = rate({ prefix: '1' });
    const b = rate({ prefix: '44', sellPerMinMicros: 100 });
    const c = rate({ prefix: '33' });
    const d = diffDecks([a, b], [{ ...b, sellPerMinMicros: 200 }, c]);
    expect(d.added.map((r) => r.prefix)).toEqual(['33']);
    expect(d.changed.map((x) => [x.before.sellPerMinMicros, x.after.sellPerMinMicros])).toEqual([[100, 200]]);
    expect(d.removed.map((r) => r.prefix)).toEqual(['1']);
    expect(d.unchanged).toBe(0);
    expect(unpackRates(packRates([a, b, c]))).toEqual([a, b, c]);
  });
});

describe('filters and amounts', () => {
  it('reads the search box as a prefix, an ISO code or words', () => {
    expect(searchTerms('+44 20')).toMatchObject({ digits: '4420', iso: undefined });
    expect(searchTerms('gb')).toMatchObject({ iso: 'GB' });
    expect(parseRateFilter({ page: '0x10', sort: 'evil', status: 'disabled', below_cost: '1' })).toMatchObject({ page: 1, sort: 'prefix', status: 'disabled', belowCost: true });
  });

  it('takes credit adjustments in whole cents only', () => {
    expect(parseCents('12.5')).toBe(12_500_000);
    expect(parseCents('-3')).toBe(-3_000_000);
    for (const text of ['1e3', '0x10', '1.005', '', ' ', '--1', 'NaN']) expect(parseCents(text), text).toBeUndefined();
    expect(creditAdjustmentForm({ amount: '5', reason: ['a', 'b'] }).ok).toBe(false);
  });
});
