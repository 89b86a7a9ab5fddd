import { recordAudit } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { FieldErrors } from '../../http/forms.js';
import { formatRate } from '../../money/currency.js';
import { formatMicros } from '../../money/micros.js';
import type { Rate } from '../../rating/rate.js';
import { isUniqueViolation } from '../../db/unique-violation.js';
import type { RateDeckService } from '../rate-deck-service.js';
import { repriced, type Markup } from './markup.js';
import type { RateFilter } from './rate-filter.js';
import { describeChanges, parseRateForm, rateToValues, type RateFormValues } from './rate-form.js';
import type { RateRow, RatesAdminRepository } from './rates-admin-repository.js';

export type EditOutcome = { ok: true; rate: RateRow } | { ok: false; errors: FieldErrors; values: RateFormValues } | { ok: false; notFound: true };

export interface MarkupChange {
  id: number;
  prefix: string;
  country: string;
  description: string;
  costPerMinMicros: number;
  oldSellMicros: number;
  newSellMicros: number;
}

type Selection = Omit<RateFilter, 'page' | 'sort' | 'dir'>;

const DUPLICATE_PREFIX = (prefix: string) => `Prefix ${prefix} already has a rate: edit that row instead.`;

/**
 * Every admin change to the deck: validated with the deck's own rules, written with its one audit row in the
 * transaction that bumps the deck version (RateDeckService.change), so every process re-reads it.
 */
export class RatesAdminService {
  constructor(private readonly deps: { repo: RatesAdminRepository; rates: RateDeckService; clock: Clock; currency: string }) {}

  get repo(): RatesAdminRepository {
    return this.deps.repo;
  }

  /** A page of the deck; unfiltered, its total is the rating engine's own row count (kept current by change()). */
  async page(filter: RateFilter) {
    const unfiltered = !filter.q && filter.status === 'all' && !filter.belowCost && !filter.mobile;
    if (!unfiltered) return this.deps.repo.page(filter);
    await this.deps.rates.ready();
    return this.deps.repo.page(filter, this.deps.rates.size);
  }

  async create(actorId: number, body: unknown): Promise<EditOutcome> {
    const form = parseRateForm(body);
    if (!form.ok) return form;
    const rate = form.rate;
    try {
      return await this.deps.rates.change(async (trx) => {
        if (await this.deps.repo.findByPrefix(rate.prefix, trx)) return duplicate(rate.prefix, body);
        const id = await this.deps.repo.insert(trx, rate, this.now());
        await recordAudit(trx, this.deps.clock, {
          actorId,
          action: 'rate.create',
          subject: `rate ${rate.prefix}`,
          summary: `Added ${rate.prefix} (${rate.country}) at ${formatRate(rate.sellPerMinMicros, this.deps.currency)}`,
          newValue: rateToValues(rate),
        });
        return { ok: true, rate: { ...rate, id } };
      });
    } catch (err) {
      if (isUniqueViolation(err)) return duplicate(rate.prefix, body);
      throw err;
    }
  }

  async update(actorId: number, id: number, body: unknown): Promise<EditOutcome> {
    const form = parseRateForm(body);
    if (!form.ok) return (await this.deps.repo.findById(id)) ? form : { ok: false, notFound: true };
    const rate = form.rate;
    try {
      return await this.deps.rates.change(async (trx) => {
        const before = await this.deps.repo.findById(id, trx);
        if (!before) return { ok: false, notFound: true };
        const holder = await this.deps.repo.findByPrefix(rate.prefix, trx);
        if (holder && holder.id !== id) return duplicate(rate.prefix, body);
        await this.deps.repo.update(trx, id, rate, this.now());
        await recordAudit(trx, this.deps.clock, {
          actorId,
          action: 'rate.update',
          subject: `rate ${before.prefix}`,
          summary: `${before.prefix} (${before.country}): ${describeChanges(before, rate)}`,
          oldValue: rateToValues(before),
          newValue: rateToValues(rate),
        });
        return { ok: true, rate: { ...rate, id } };
      });
    } catch (err) {
      if (isUniqueViolation(err)) return duplicate(rate.prefix, body);
      throw err;
    }
  }

  async delete(actorId: number, id: number): Promise<RateRow | undefined> {
    return this.deps.rates.change(async (trx) => {
      const before = await this.deps.repo.findById(id, trx);
      if (!before) return undefined;
      await this.deps.repo.delete(trx, id);
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: 'rate.delete',
        subject: `rate ${before.prefix}`,
        summary: `Deleted ${before.prefix} (${before.country})`,
        oldValue: rateToValues(before),
      });
      return before;
    });
  }

  /** Geo permissions: a whole country or a prefix range on or off in one action; returns how many rows changed. */
  async setEnabled(actorId: number, target: { iso: string } | { prefix: string }, enabled: boolean): Promise<number> {
    const what = 'iso' in target ? `country ${target.iso}` : `prefixes ${target.prefix}*`;
    return this.deps.rates.change(async (trx) => {
      const changed = await this.deps.repo.setEnabled(trx, target, enabled, this.now());
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: enabled ? 'geo.enable' : 'geo.disable',
        subject: what,
        summary: `${enabled ? 'Enabled' : 'Disabled'} ${what}: ${changed} rate${changed === 1 ? '' : 's'} changed`,
        oldValue: { enabled: !enabled, rows: changed },
        newValue: { enabled, rows: changed },
      });
      return changed;
    });
  }

  /** The rows the markup would change, old → new (rows whose price would stay the same are left out). */
  async markupPreview(selection: Selection, markup: Markup): Promise<MarkupChange[]> {
    const changes: MarkupChange[] = [];
    for await (const row of this.deps.repo.matching(selection)) {
      const next = repriced(row.costPerMinMicros, markup);
      if (next !== row.sellPerMinMicros) changes.push(markupChange(row, next));
    }
    return changes;
  }

  /** Applies the markup to the selection as it is now, in one transaction with one audit row. */
  async applyMarkup(actorId: number, selection: Selection, markup: Markup, description: string): Promise<number> {
    return this.deps.rates.change(async (trx) => {
      const changes: MarkupChange[] = [];
      for await (const row of this.deps.repo.matching(selection, 2000, trx)) {
        const next = repriced(row.costPerMinMicros, markup);
        if (next !== row.sellPerMinMicros) changes.push(markupChange(row, next));
      }
      await this.deps.repo.updateSellPrices(trx, changes.map((c) => ({ id: c.id, sellPerMinMicros: c.newSellMicros })), this.now());
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: 'rate.markup',
        subject: 'rates',
        summary: `Repriced ${changes.length} rate${changes.length === 1 ? '' : 's'}: ${description}`,
        oldValue: Object.fromEntries(changes.map((c) => [c.prefix, formatMicros(c.oldSellMicros)])),
        newValue: Object.fromEntries(changes.map((c) => [c.prefix, formatMicros(c.newSellMicros)])),
      });
      return changes.length;
    });
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function markupChange(row: RateRow, next: number): MarkupChange {
  return { id: row.id, prefix: row.prefix, country: row.country, description: row.description, costPerMinMicros: row.costPerMinMicros, oldSellMicros: row.sellPerMinMicros, newSellMicros: next };
}

function duplicate(prefix: string, body: unknown): EditOutcome {
  const form = parseRateForm(body);
  const values = form.ok ? rateToValues(form.rate as Rate) : form.values;
  return { ok: false, errors: { prefix: DUPLICATE_PREFIX(prefix) }, values };
}
