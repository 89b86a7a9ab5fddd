import type { Request, Response } from 'express';
import { dayParam } from '../../audit/audit-routes.js';
import { isLive } from '../../calls/call-state.js';
import { timelineView } from '../../calls/call-view.js';
import { HttpError } from '../../http/errors.js';
import { flash } from '../../http/flash.js';
import { formatDuration, formatMoney } from '../../money/currency.js';
import { pageParam, pagination } from '../../http/pagination.js';
import { flagEmoji } from '../../rating/phone.js';
import { CALL_STATUS_FILTERS, type AdminCall, type CallFilter } from './admin-calls-repository.js';
import type { AdminCallsService } from './admin-calls-service.js';
import { callEconomics, type LegEconomics } from './call-economics.js';
import { adminCallStatus, STATUS_FILTER_WORDS } from './admin-call-words.js';

export interface AdminCallsDeps {
  calls: AdminCallsService;
  currency: string;
}

function text(value: unknown, max: number): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

export function adminCallsRoutes(deps: AdminCallsDeps) {
  const { calls, currency } = deps;
  const money = (micros: number | null) => (micros === null ? '–' : formatMoney(micros, currency));
  const row = (c: AdminCall) => ({
    id: c.id,
    email: c.email,
    userId: c.userId,
    to: c.toE164,
    flag: c.toCountry ? flagEmoji(c.toCountry) : '',
    status: adminCallStatus(c),
    live: isLive(c.status),
    when: c.createdAt.replace('T', ' ').slice(0, 16),
    talk: c.bridgedSeconds ? formatDuration(c.bridgedSeconds) : '',
    charged: c.settledAt ? money(c.costMicros) : '',
    held: money(c.holdMicros),
  });
  const legView = (label: string, l: LegEconomics) => ({ label, seconds: formatDuration(l.seconds), sell: money(l.sellMicros), cost: money(l.costMicros), margin: money(l.marginMicros), negative: l.marginMicros < 0 });

  return {
    /** Live calls first (one indexed read), then every call, newest first, with filters. */
    async list(req: Request, res: Response) {
      const status = text(req.query.status, 30);
      const filter: CallFilter = {
        status: (CALL_STATUS_FILTERS as readonly string[]).includes(status) ? status : '',
        user: text(req.query.user, 100),
        country: /^[A-Za-z]{2}$/.test(text(req.query.country, 2)) ? text(req.query.country, 2).toUpperCase() : '',
        day: dayParam(req.query.day),
        page: pageParam(req.query.page),
      };
      const [live, result] = await Promise.all([calls.live(), calls.page(filter)]);
      const params = (page: number) => {
        const qs = new URLSearchParams();
        for (const key of ['status', 'user', 'country', 'day'] as const) if (filter[key]) qs.set(key, filter[key]);
        if (page > 1) qs.set('page', String(page));
        return qs.toString();
      };
      res.render('pages/admin-calls', {
        title: 'Calls',
        filter,
        statuses: CALL_STATUS_FILTERS.map((value) => ({ value, label: STATUS_FILTER_WORDS[value] ?? value })),
        live: live.map(row),
        rows: result.rows.map(row),
        total: result.total,
        pager: pagination('/admin/calls', params, result.page, result.pages),
      });
    },

    /** One call: its timeline, and for a settled call what each leg sold for, cost us and left as margin. */
    async show(req: Request, res: Response) {
      const found = await calls.detail(String(req.params.id));
      if (!found) throw new HttpError(404, 'There is no call with that id.');
      const { call, events, tariffs } = found;
      const economics = callEconomics(call.costBreakdown, tariffs);
      res.render('pages/admin-call', {
        title: `Call ${call.id}`,
        call: { ...row(call), from: call.fromE164, failure: call.failureReason, settled: call.settledAt, uncollected: call.uncollectedCostMicros ? money(call.uncollectedCostMicros) : null },
        timeline: timelineView(events),
        legs: economics ? [legView('Leg to the user’s phone', economics.first), legView(`Leg to ${call.toE164}`, economics.bridged)] : null,
        total: economics ? legView('Charged to the user', economics.total) : null,
        freeSeconds: call.costBreakdown?.freeSecondsUsed ? formatDuration(call.costBreakdown.freeSecondsUsed) : null,
      });
    },

    /** Ends a live call through the calls feature (Twilio hangup); recorded in the audit log once it is asked. */
    async hangup(req: Request, res: Response) {
      const done = await calls.hangup(req.user!.id, String(req.params.id));
      if (done.outcome === 'not-found') throw new HttpError(404, 'There is no call with that id.');
      const { call } = done;
      if (done.outcome === 'already-ended') {
        flash(req, 'info', 'This call had already ended.');
        return res.redirect(303, `/admin/calls/${call.id}`);
      }
      flash(req, 'success', `Hanging up the call of ${call.email} to ${call.toE164}.`);
      if (req.get('hx-request') === 'true') res.set('HX-Redirect', `/admin/calls/${call.id}`).status(200).end();
      else res.redirect(303, `/admin/calls/${call.id}`);
    },
  };
}
