import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodeCursor } from './history-cursor.js';
import { filterQuery, parseHistoryQuery, type HistoryFilter } from './history-filters.js';
import { callsCsv } from './history-csv.js';
import { CALL_STATUSES, type CallsHistory } from './history-repository.js';
import { historyRowView, STATUS_LABELS, totalsView, type CalledContact } from './history-view.js';

const STATUS_OPTIONS = ['live', 'completed', 'not-answered', 'destination-unanswered', 'voicemail', 'cancelled', 'failed'].map((value) => ({ value, label: STATUS_LABELS[value]! }));
const FILTER_FIELDS = ['status', 'country', 'from', 'to', 'number'] as const;

function typedValues(query: Request['query']): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of FILTER_FIELDS) if (typeof query[name] === 'string') values[name] = (query[name] as string).slice(0, 40);
  return values;
}

/**
 * Something another feature shows on a history row (the recordings feature: a player). Handed in by the route
 * table, so the calls feature does not depend on it.
 */
export type HistoryRowExtras = (userId: number, callIds: string[]) => Promise<Map<string, object>>;

export interface HistoryRoutesDeps {
  history: CallsHistory;
  currency: string;
  /** Names from the address book (of the account `req` pays from) for a page's numbers: one lookup per page, never one per row. */
  contactNames?: (req: Request, e164s: readonly string[]) => Promise<ReadonlyMap<string, CalledContact>>;
  rowExtras?: HistoryRowExtras | undefined;
  /** The accounts the user pays from, by id → label ("Personal", a team's name): rows say which paid when there are several. */
  payerLabels?: ((userId: number) => Promise<ReadonlyMap<number, string>>) | undefined;
}

export function historyRoutes(deps: HistoryRoutesDeps) {
  const { history, currency } = deps;

  return {
    /** GET /calls: newest first, keyset pages, filters, totals of the filtered set. */
    async show(req: Request, res: Response) {
      const parsed = parseHistoryQuery(req.query as Record<string, unknown>, CALL_STATUSES);
      const base = { title: 'Your calls', statuses: STATUS_OPTIONS, values: typedValues(req.query) };
      if (!parsed.ok) {
        return res.status(400).render('pages/calls-history', { ...base, errors: { [parsed.field]: parsed.message }, rows: [], totals: null, filtered: true, links: {} });
      }
      const userId = req.user!.id;
      // The totals scan every call in the filtered set: they come in a second request (htmx, on load) so the page itself
      // stays one index range read; without JavaScript, "Show totals" (?totals=1) renders them inline.
      const inlineTotals = req.query.totals === '1';
      const [page, totals] = await Promise.all([history.page(userId, parsed.filter, parsed.cursor, parsed.limit), inlineTotals ? history.totals(userId, parsed.filter) : undefined]);
      const filtered = Object.keys(parsed.filter).length > 0;
      const names = deps.contactNames && page.calls.length ? await deps.contactNames(req, page.calls.map((c) => c.toE164)) : new Map<string, CalledContact>();
      const extras = deps.rowExtras && page.calls.length ? await deps.rowExtras(userId, page.calls.map((call) => call.id)) : new Map<string, object>();
      const payers = deps.payerLabels && page.calls.length ? await deps.payerLabels(userId) : new Map<number, string>();
      // Only a user in more than one account needs to be told which paid; a call from a team since left shows none.
      const paidBy = (accountId: number | null) => (payers.size > 1 && accountId !== null ? (payers.get(accountId) ?? null) : null);
      res.render('pages/calls-history', {
        ...base,
        errors: {},
        rows: page.calls.map((call) => ({ ...historyRowView(call, currency, names.get(call.toE164)), paidBy: paidBy(call.accountId), extra: extras.get(call.id) ?? null })),
        totals: totals ? { ...totalsView(totals, currency), filtered } : null,
        filtered,
        links: {
          totals: `/calls/totals${filterQuery(parsed.filter)}`,
          withTotals: `/calls${filterQuery(parsed.filter, { totals: '1' })}`,
          older: page.next ? `/calls${filterQuery(parsed.filter, { cursor: encodeCursor(page.next) })}` : null,
          newest: parsed.cursor ? `/calls${filterQuery(parsed.filter)}` : null,
          csv: `/calls.csv${filterQuery(parsed.filter)}`,
          clear: filtered ? '/calls' : null,
        },
      });
    },

    /** GET /calls/totals (htmx): count, talk time and cost of the filtered set, as a fragment. */
    async totals(req: Request, res: Response) {
      const parsed = parseHistoryQuery(req.query as Record<string, unknown>, CALL_STATUSES);
      if (!parsed.ok) return res.status(400).send('');
      if (req.get('hx-request') !== 'true') return res.redirect(303, `/calls${filterQuery(parsed.filter, { totals: '1' })}`);
      const filtered = Object.keys(parsed.filter).length > 0;
      res.render('partials/calls-totals', { ...totalsView(await history.totals(req.user!.id, parsed.filter), currency), filtered });
    },

    /** GET /calls.csv: the whole filtered set, streamed a batch at a time, formula-safe cells. */
    async exportCsv(req: Request, res: Response) {
      const parsed = parseHistoryQuery(req.query as Record<string, unknown>, CALL_STATUSES);
      if (!parsed.ok) return res.redirect(303, '/calls');
      res.type('text/csv; charset=utf-8');
      res.attachment(`callbridge-calls-${new Date().toISOString().slice(0, 10)}.csv`);
      await streamCsv(res, history.batches(req.user!.id, parsed.filter as HistoryFilter), currency);
    },
  };
}

/** pipeline(): backpressure through compression, and the batches stop if the client goes away mid-download. */
async function streamCsv(res: Response, batches: ReturnType<CallsHistory['batches']>, currency: string): Promise<void> {
  try {
    await pipeline(Readable.from(callsCsv(batches, currency)), res);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}
