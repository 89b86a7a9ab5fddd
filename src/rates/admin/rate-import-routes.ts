import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { validCsrfToken } from '../../http/csrf.js';
import { HttpError } from '../../http/errors.js';
import { flash } from '../../http/flash.js';
import { receiveUpload } from '../../http/multipart.js';
import { formatRate } from '../../money/currency.js';
import { tryParseMicros } from '../../money/micros.js';
import type { Rate } from '../../rating/rate.js';
import { describeDeckError } from '../deck-errors.js';
import { deckCsv } from './rate-export.js';
import { parseRateFilter } from './rate-filter.js';
import type { RateImportService } from './rate-import-service.js';
import type { RatesAdminRepository } from './rates-admin-repository.js';

export interface RateImportDeps {
  imports: RateImportService;
  repo: RatesAdminRepository;
  currency: string;
  maxUploadBytes?: number;
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';
/** Rows of each kind listed on the preview page; the counts are always complete. */
const LISTED = 300;
const MAX_MARKUP_PERCENT_MICROS = 1_000 * 1_000_000;
const CSRF_REFUSED = 'Your session expired or the form was sent from another page. Reload the page and try again.';

/** Sends the browser to `url`: a plain redirect, or for htmx a full-page navigation (HX-Redirect). */
function go(req: Request, res: Response, url: string): void {
  if (isHtmx(req)) res.set('HX-Redirect', url).status(200).end();
  else res.redirect(303, url);
}

export function rateImportRoutes(deps: RateImportDeps) {
  const { imports, repo, currency } = deps;
  const maxBytes = deps.maxUploadBytes ?? 20_000_000;
  const price = (micros: number) => formatRate(micros, currency);
  const line = (r: Rate) => ({ prefix: r.prefix, name: r.description || r.country, iso: r.iso, sell: price(r.sellPerMinMicros), enabled: r.enabled });

  function renderForm(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    const model = { title: 'Import rates', markup: '', errors: [], fieldErrors: {}, maxMb: Math.round(maxBytes / 1_000_000), ...extra };
    // htmx swaps only 2xx answers, so its fragment comes back as 200; a plain form gets the real status.
    if (isHtmx(req)) return res.render('partials/admin-import-result', model);
    res.status(status).render('pages/admin-rates-import', model);
  }

  return {
    showForm(req: Request, res: Response) {
      renderForm(req, res, 200, {});
    },

    /** Streams the file to disk, checks every row, and stores a preview; nothing is applied here. */
    async upload(req: Request, res: Response) {
      const upload = await receiveUpload(req, {
        fileField: 'deck',
        maxBytes,
        beforeFile: (fields) => {
          if (!validCsrfToken(req, fields._csrf)) throw new HttpError(403, CSRF_REFUSED);
        },
      });
      try {
        if (!validCsrfToken(req, upload.fields._csrf)) throw new HttpError(403, CSRF_REFUSED);
        const markupText = (upload.fields.markup ?? '').trim();
        const markup = markupText === '' ? 0 : tryParseMicros(markupText);
        const fieldErrors: Record<string, string> = {};
        if (markup === undefined || markup < 0 || markup > MAX_MARKUP_PERCENT_MICROS) fieldErrors.markup = 'Enter a markup percentage such as 30 or 12.5 (0 to 1000), or leave it empty.';
        if (!upload.file) fieldErrors.deck = 'Choose a rate file (CSV) to import.';
        if (Object.keys(fieldErrors).length) return renderForm(req, res, 422, { markup: markupText, fieldErrors });
        const outcome = await imports.check(req.user!.id, { path: upload.file!.path }, upload.file!.name, markup!);
        if (!outcome.ok) {
          const errors = outcome.errors.map((e) => ({ ...e, text: describeDeckError(e) }));
          return renderForm(req, res, 422, { markup: markupText, errors, truncated: outcome.truncated, fileName: upload.file!.name });
        }
        go(req, res, `/admin/rates/import/${outcome.token}`);
      } finally {
        await upload.discard();
      }
    },

    async showPreview(req: Request, res: Response) {
      const preview = await imports.preview(req.user!.id, String(req.params.token));
      if (!preview) {
        flash(req, 'info', 'That import preview was already applied, has expired, or is not yours. Upload the file again to import it.');
        return res.redirect(303, '/admin/rates/import');
      }
      const { diff } = preview;
      res.render('pages/admin-rates-import-preview', {
        title: 'Import preview',
        token: preview.token,
        fileName: preview.fileName,
        total: preview.total,
        counts: { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, unchanged: diff.unchanged },
        added: diff.added.slice(0, LISTED).map(line),
        removed: diff.removed.slice(0, LISTED).map(line),
        changed: diff.changed.slice(0, LISTED).map((c) => ({ ...line(c.after), old: price(c.before.sellPerMinMicros), next: price(c.after.sellPerMinMicros), otherChanges: c.before.sellPerMinMicros === c.after.sellPerMinMicros })),
        listed: LISTED,
      });
    },

    async apply(req: Request, res: Response) {
      const outcome = await imports.apply(req.user!.id, String(req.params.token));
      if (!outcome.applied) {
        flash(req, 'info', 'This preview was already applied (or has expired): nothing changed.');
        return go(req, res, '/admin/rates');
      }
      const { diff } = outcome;
      flash(req, 'success', `Rate file imported: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed.`);
      go(req, res, '/admin/rates');
    },

    /** The deck, or the filtered part of it, as a CSV file the importer reads back; streamed in batches. */
    async export(req: Request, res: Response) {
      const filter = parseRateFilter(req.query);
      const filtered = filter.q || filter.status !== 'all' || filter.belowCost || filter.mobile;
      // The first batch is read before the 200 goes out: a query that fails then gets a proper error page instead of
      // a download that stops after its header line.
      const rows = await startedIterator(repo.matching(filter));
      res.set('Content-Type', 'text/csv; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="rates${filtered ? '-filtered' : ''}.csv"`);
      await pipeline(Readable.from(deckCsv(rows)), res);
    },
  };
}

/** Runs a generator up to its first item (its first query), then hands back an iterable that replays it. */
async function startedIterator<T>(source: AsyncGenerator<T>): Promise<AsyncIterable<T>> {
  const first = await source.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      yield* source;
    },
  };
}
