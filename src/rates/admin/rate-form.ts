import type { FieldErrors } from '../../http/forms.js';
import { formatMicros } from '../../money/micros.js';
import type { Rate } from '../../rating/rate.js';
import { DECK_COLUMNS, RowErrors, columnPositions, parseDeckRow, type DeckColumn } from '../deck-format.js';

/** The form's fields are the deck's own columns, so the importer's rules check a hand edit too. */
export type RateFormValues = Record<DeckColumn, string>;

export type RateFormResult = { ok: true; rate: Rate } | { ok: false; errors: FieldErrors; values: RateFormValues };

const positions = columnPositions([...DECK_COLUMNS]);

/**
 * Reads a submitted rate form. A field sent twice (an array) or not at all reads as empty, so it gets the same
 * plain message as a missing value; the enabled checkbox is absent when unticked.
 */
export function formValues(body: unknown): RateFormValues {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const values = Object.fromEntries(DECK_COLUMNS.map((c) => [c, typeof source[c] === 'string' ? (source[c] as string) : ''])) as RateFormValues;
  if (source.enabled === undefined) values.enabled = 'false';
  return values;
}

/** Validates one rate with the deck's rules (src/rates/deck-format.ts); errors are keyed by column. */
export function parseRateForm(body: unknown): RateFormResult {
  const values = formValues(body);
  const errors = new RowErrors(0);
  const rate = parseDeckRow(
    DECK_COLUMNS.map((c) => values[c]),
    positions,
    errors,
  );
  if (errors.errors.length === 0) return { ok: true, rate };
  const fieldErrors: FieldErrors = {};
  for (const e of errors.errors) fieldErrors[e.column ?? 'form'] ??= capitalise(e.message);
  return { ok: false, errors: fieldErrors, values };
}

/** A stored rate as the form shows it: decimals as typed in a deck file. */
export function rateToValues(rate: Rate): RateFormValues {
  return {
    iso: rate.iso,
    country: rate.country,
    prefix: rate.prefix,
    description: rate.description,
    sell_per_min: formatMicros(rate.sellPerMinMicros, 2),
    cost_per_min: formatMicros(rate.costPerMinMicros, 2),
    first_increment_s: String(rate.firstIncrementS),
    next_increment_s: String(rate.nextIncrementS),
    connection_fee: formatMicros(rate.connectionFeeMicros, 2),
    minimum_charge: formatMicros(rate.minimumChargeMicros, 2),
    enabled: rate.enabled ? 'true' : 'false',
  };
}

/** "sell_per_min 0.02 → 0.03; enabled true → false": what an edit changed, for the audit log. */
export function describeChanges(before: Rate, after: Rate): string {
  const a = rateToValues(before);
  const b = rateToValues(after);
  const changed = DECK_COLUMNS.filter((c) => a[c] !== b[c]).map((c) => `${c} ${a[c]} → ${b[c]}`);
  return changed.length ? changed.join('; ') : 'no change';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
