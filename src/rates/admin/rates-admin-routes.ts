import { parseIdParam } from '../../http/id-param.js';
import type { Request, Response } from 'express';
import { flash } from '../../http/flash.js';
import { HttpError } from '../../http/errors.js';
import { describeMarkup } from '../twilio-price-list.js';
import { formatRate } from '../../money/currency.js';
import { ROUNDING_STEPS, parseMarkupForm, type Markup } from './markup.js';
import { filterParams, parseRateFilter, type RateFilter } from './rate-filter.js';
import { rateToValues } from './rate-form.js';
import type { RatesAdminService } from './rates-admin-service.js';
import { pagination } from '../../http/pagination.js';
import { rateRowView, sortLinks } from './rates-admin-views.js';

export interface RatesAdminDeps {
  admin: RatesAdminService;
  currency: string;
}

const isHtmx = (req: Request) => req.get('hx-request') === 'true';
const PREVIEW_ROWS = 200;

/** A row id from the URL: digits only, else there is no such rate. */
export function idParam(value: unknown): number {
  return parseIdParam(value, 'There is no rate with that number.');
}

export function ratesAdminRoutes(deps: RatesAdminDeps) {
  const { admin, currency } = deps;
  const row = (rate: Parameters<typeof rateRowView>[0]) => rateRowView(rate, currency);

  async function tableModel(filter: RateFilter) {
    const result = await admin.page(filter);
    return {
      filter,
      rows: result.rows.map(row),
      total: result.total,
      pager: pagination('/admin/rates', (page) => filterParams(filter, { page }), result.page, result.pages),
      sorts: sortLinks(filter),
      selection: filterParams(filter, { page: 1, sort: 'prefix', dir: 'asc' }),
    };
  }

  async function findOr404(id: number) {
    const rate = await admin.repo.findById(id);
    if (!rate) throw new HttpError(404, 'There is no rate with that number.');
    return rate;
  }

  function markupDescription(markup: Markup): string {
    const step = ROUNDING_STEPS.find((s) => s.micros === markup.stepMicros)?.label ?? '';
    const amount = markup.mode === 'percent' ? `cost + ${describeMarkup(markup.amountMicros)}` : `cost + ${formatRate(markup.amountMicros, currency)}`;
    return `${amount}, rounded up to ${step}`;
  }

  return {
    /** The deck, a page at a time; the search form swaps just the table with htmx. */
    async list(req: Request, res: Response) {
      const model = await tableModel(parseRateFilter(req.query));
      if (isHtmx(req) && req.get('hx-target') === 'rates-table') return res.render('partials/admin-rates-table', model);
      res.render('pages/admin-rates', { title: 'Rates admin', ...model });
    },

    showNew(_req: Request, res: Response) {
      res.render('pages/admin-rate-form', { title: 'Add a rate', action: '/admin/rates', values: { enabled: 'true' }, errors: {} });
    },

    async create(req: Request, res: Response) {
      const outcome = await admin.create(req.user!.id, req.body);
      if (!outcome.ok) {
        if ('notFound' in outcome) throw new HttpError(404, 'There is no rate with that number.');
        return res.status(422).render('pages/admin-rate-form', { title: 'Add a rate', action: '/admin/rates', values: outcome.values, errors: outcome.errors });
      }
      flash(req, 'success', `Added ${outcome.rate.prefix} (${outcome.rate.country}).`);
      res.redirect(303, `/admin/rates?q=${encodeURIComponent(outcome.rate.prefix)}`);
    },

    /** htmx: the row turns into its form in place; without JS, a page of its own. */
    async showEdit(req: Request, res: Response) {
      const rate = await findOr404(idParam(req.params.id));
      const model = { id: rate.id, action: `/admin/rates/${rate.id}`, values: rateToValues(rate), errors: {} };
      if (isHtmx(req)) return res.render('partials/admin-rate-edit-row', model);
      res.render('pages/admin-rate-form', { title: `Edit ${rate.prefix}`, ...model });
    },

    /** htmx: the row as displayed (after Cancel). */
    async showRow(req: Request, res: Response) {
      const rate = await findOr404(idParam(req.params.id));
      if (!isHtmx(req)) return res.redirect(303, `/admin/rates?q=${encodeURIComponent(rate.prefix)}`);
      res.render('partials/admin-rate-row', row(rate));
    },

    async update(req: Request, res: Response) {
      const id = idParam(req.params.id);
      const outcome = await admin.update(req.user!.id, id, req.body);
      if (!outcome.ok && 'notFound' in outcome) throw new HttpError(404, 'There is no rate with that number.');
      if (!outcome.ok) {
        const model = { id, action: `/admin/rates/${id}`, values: outcome.values, errors: outcome.errors };
        // htmx swaps only 2xx answers: the form comes back with its errors as 200, a plain POST gets 422.
        if (isHtmx(req)) return res.render('partials/admin-rate-edit-row', model);
        return res.status(422).render('pages/admin-rate-form', { title: 'Edit a rate', ...model });
      }
      if (isHtmx(req)) return res.render('partials/admin-rate-row', { ...row(outcome.rate), saved: true });
      flash(req, 'success', `Saved ${outcome.rate.prefix} (${outcome.rate.country}).`);
      res.redirect(303, `/admin/rates?q=${encodeURIComponent(outcome.rate.prefix)}`);
    },

    async confirmDelete(req: Request, res: Response) {
      const rate = await findOr404(idParam(req.params.id));
      res.render('pages/admin-rate-delete', { title: `Delete ${rate.prefix}`, rate: row(rate) });
    },

    async delete(req: Request, res: Response) {
      const deleted = await admin.delete(req.user!.id, idParam(req.params.id));
      if (!deleted) throw new HttpError(404, 'There is no rate with that number.');
      if (isHtmx(req)) return res.send('');
      flash(req, 'success', `Deleted ${deleted.prefix} (${deleted.country}).`);
      res.redirect(303, '/admin/rates');
    },

    /** The markup tool: the form, and once filled in, a preview of old → new for the selection. */
    async showMarkup(req: Request, res: Response) {
      const filter = parseRateFilter(req.query);
      const asked = req.query.mode !== undefined;
      const form = asked ? parseMarkupForm(req.query) : undefined;
      const model: Record<string, unknown> = {
        title: 'Reprice from cost',
        filter,
        selection: filterParams(filter, { page: 1, sort: 'prefix', dir: 'asc' }),
        steps: ROUNDING_STEPS,
        values: { mode: str(req.query.mode) || 'percent', amount: str(req.query.amount), step: str(req.query.step) || '0.0001' },
        errors: form && !form.ok ? form.errors : {},
      };
      if (form?.ok) {
        const changes = await admin.markupPreview(filter, form.markup);
        model.preview = {
          count: changes.length,
          description: markupDescription(form.markup),
          rows: changes.slice(0, PREVIEW_ROWS).map((c) => ({
            prefix: c.prefix,
            name: c.description || c.country,
            cost: formatRate(c.costPerMinMicros, currency),
            old: formatRate(c.oldSellMicros, currency),
            next: formatRate(c.newSellMicros, currency),
          })),
        };
      }
      res.status(form && !form.ok ? 422 : 200).render('pages/admin-rates-markup', model);
    },

    async applyMarkup(req: Request, res: Response) {
      const filter = parseRateFilter(req.body ?? {});
      const form = parseMarkupForm(req.body ?? {});
      if (!form.ok) throw new HttpError(422, Object.values(form.errors).join(' '));
      const count = await admin.applyMarkup(req.user!.id, filter, form.markup, markupDescription(form.markup));
      flash(req, 'success', `Repriced ${count} rate${count === 1 ? '' : 's'} (${markupDescription(form.markup)}).`);
      res.redirect(303, `/admin/rates?${filterParams(filter, { page: 1 })}`);
    },
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 40) : '';
}
