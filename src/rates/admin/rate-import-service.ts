import { randomBytes } from 'node:crypto';
import { recordAudit } from '../../audit/audit-log.js';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/database.js';
import type { DeckError } from '../deck-errors.js';
import { parseDeck, type DeckFormat, type DeckSource } from '../parse-deck.js';
import type { RateDeckService } from '../rate-deck-service.js';
import { refreshRatesStatistics, replaceRatesIn } from '../rate-repository.js';
import { describeMarkup } from '../twilio-price-list.js';
import { diffDecks, packRates, unpackRates, type DeckDiff } from './rate-import-diff.js';

/** A preview waits this long for its confirmation; after that the file must be uploaded again. */
const PREVIEW_TTL_MS = 60 * 60 * 1000;
/** Shown on the preview page; the counts are always complete. */
const MAX_ERRORS = 500;

export type CheckOutcome = { ok: true; token: string } | { ok: false; errors: DeckError[]; truncated: boolean };

export interface StoredPreview {
  token: string;
  format: DeckFormat;
  fileName: string;
  diff: DeckDiff;
  total: number;
}

export type ApplyOutcome = { applied: true; diff: DeckDiff } | { applied: false };

interface PreviewRow {
  token: string;
  created_by: number | null;
  format: DeckFormat;
  file_name: string;
  rates: string;
  created_at: string;
  consumed_at: string | null;
}

/**
 * Rate file imports from the admin console: check and store a preview (nothing applied), then apply it once, on
 * the admin's confirmation, in one transaction with its audit row. A preview is consumed by the same
 * conditional UPDATE that starts applying it, so a second confirm (a double click, a reload) does nothing.
 */
export class RateImportService {
  constructor(private readonly deps: { db: Db; rates: RateDeckService; clock: Clock }) {}

  async check(actorId: number, source: DeckSource, fileName: string, markupPercentMicros: number): Promise<CheckOutcome> {
    const parsed = await parseDeck(source, { twilioMarkupPercentMicros: markupPercentMicros, maxErrors: MAX_ERRORS });
    if (!parsed.ok) return parsed;
    const token = randomBytes(24).toString('base64url');
    const now = this.deps.clock.now();
    const db = this.deps.db;
    await db('rate_import_previews').where('created_at', '<', new Date(now.getTime() - PREVIEW_TTL_MS).toISOString()).delete();
    const name = parsed.format === 'twilio' ? `${fileName} (Twilio, ${describeMarkup(markupPercentMicros)} markup)` : fileName;
    await db('rate_import_previews').insert({ token, created_by: actorId, format: parsed.format, file_name: name.slice(0, 200), rates: packRates(parsed.rates), created_at: now.toISOString() });
    return { ok: true, token };
  }

  /** The stored preview, compared with the deck as it is now; undefined if unknown, expired, used or someone else's. */
  async preview(actorId: number, token: string): Promise<StoredPreview | undefined> {
    const row = await this.find(actorId, token);
    if (!row || row.consumed_at) return undefined;
    await this.deps.rates.ready();
    const incoming = unpackRates(row.rates);
    return { token, format: row.format, fileName: row.file_name, diff: diffDecks(this.deps.rates.rates(), incoming), total: incoming.length };
  }

  async apply(actorId: number, token: string): Promise<ApplyOutcome> {
    const fresh = new Date(this.deps.clock.now().getTime() - PREVIEW_TTL_MS).toISOString();
    await this.deps.rates.ready();
    const outcome = await this.deps.rates.changeIf<ApplyOutcome>(async (trx) => {
      const claimed = await trx('rate_import_previews')
        .where({ token, created_by: actorId })
        .whereNull('consumed_at')
        .andWhere('created_at', '>=', fresh)
        .update({ consumed_at: this.deps.clock.now().toISOString() });
      if (claimed !== 1) return { changed: false, value: { applied: false } };
      const row = await trx('rate_import_previews').where({ token }).first<PreviewRow>();
      const incoming = unpackRates(row!.rates);
      const diff = diffDecks(this.deps.rates.rates(), incoming);
      await replaceRatesIn(trx, incoming, this.deps.clock);
      await trx('rate_import_previews').where({ token }).update({ rates: '[]' });
      await recordAudit(trx, this.deps.clock, {
        actorId,
        action: 'rate.import',
        subject: 'rates',
        summary: `Imported ${row!.file_name}: ${incoming.length} rates (${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed)`,
        oldValue: { rates: this.deps.rates.size, changed: diff.changed.slice(0, 200).map((c) => `${c.before.prefix} ${c.before.sellPerMinMicros}`), removed: diff.removed.slice(0, 200).map((r) => r.prefix) },
        newValue: { rates: incoming.length, changed: diff.changed.slice(0, 200).map((c) => `${c.after.prefix} ${c.after.sellPerMinMicros}`), added: diff.added.slice(0, 200).map((r) => r.prefix) },
      });
      return { changed: true, value: { applied: true, diff } };
    });
    if (outcome.applied) await refreshRatesStatistics(this.deps.db);
    return outcome;
  }

  private async find(actorId: number, token: string): Promise<PreviewRow | undefined> {
    if (!/^[\w-]{20,64}$/.test(token)) return undefined;
    const fresh = new Date(this.deps.clock.now().getTime() - PREVIEW_TTL_MS).toISOString();
    return this.deps.db('rate_import_previews').where({ token, created_by: actorId }).andWhere('created_at', '>=', fresh).first<PreviewRow>();
  }
}
