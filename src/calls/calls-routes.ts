import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import type { CallsService, StartResult } from './calls-service.js';
import { breakdownView, callStatusView, humanTimeline } from './call-view.js';
import { callAgainHref } from './history-view.js';
import { isFinal } from './call-state.js';
import type { CallRecord } from './calls-repository.js';

export interface CallsRoutesDeps {
  calls: CallsService;
  clock: Clock;
  currency: string;
  logger: Logger;
  /** The address book's name for a called number (the contacts feature, the book of the account `req` pays from), shown on the call's page. */
  contactNames?: (req: Request, e164s: readonly string[]) => Promise<ReadonlyMap<string, { contactId: number; name: string }>>;
}

/** One value of a form field: a missing, empty or repeated field is all the same to us. */
function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

const COUNTRY = /^[A-Z]{2}$/;

export function callsRoutes(deps: CallsRoutesDeps) {
  const statusView = async (call: CallRecord, res: Response) =>
    callStatusView(call, { now: deps.clock.now(), currency: deps.currency, csrfToken: String(res.locals.csrfToken ?? ''), liveCost: await deps.calls.liveCost(call) });
  const isHtmx = (req: Request) => req.get('hx-request') === 'true';

  function refused(req: Request, res: Response, result: Exclude<StartResult, { ok: true }>, to: string, country: string | undefined): void {
    if (isHtmx(req)) {
      res.status(422).render('partials/call-refused', {
        message: result.message,
        verifyLink: result.reason === 'no-verified-phone',
        liveCallId: 'liveCallId' in result ? result.liveCallId : undefined,
        callId: 'call' in result ? result.call.id : undefined,
      });
      return;
    }
    if ('call' in result) {
      res.redirect(303, `/calls/${result.call.id}`);
      return;
    }
    flash(req, 'error', result.message);
    const query = new URLSearchParams({ to, ...(country ? { country } : {}) });
    res.redirect(303, `/?${query.toString()}`);
  }

  return {
    /** POST /calls: field `to` (national or +E.164), optional `country` (ISO alpha-2 for national input). */
    async start(req: Request, res: Response): Promise<void> {
      const to = field(req.body, 'to');
      const rawCountry = field(req.body, 'country')?.toUpperCase();
      if (!to) return refused(req, res, { ok: false, reason: 'invalid', message: 'Enter the number to call.' }, '', rawCountry);
      if (to.length > 40) return refused(req, res, { ok: false, reason: 'invalid', message: 'That number is too long.' }, '', rawCountry);
      if (rawCountry !== undefined && !COUNTRY.test(rawCountry)) return refused(req, res, { ok: false, reason: 'invalid', message: 'Choose the country from the list.' }, to, undefined);
      const result = await deps.calls.start({ userId: req.user!.id, user: req.user, to, country: rawCountry });
      if (!result.ok) return refused(req, res, result, to, rawCountry);
      if (isHtmx(req)) res.render('partials/call-status', await statusView(result.call, res));
      else res.redirect(303, `/calls/${result.call.id}`);
    },

    /** POST /calls/:id/hangup: ends the call at any stage; repeating it changes nothing. */
    async hangup(req: Request, res: Response): Promise<void> {
      const callId = String(req.params.id);
      let call: CallRecord | undefined;
      try {
        call = await deps.calls.hangup(req.user!.id, callId);
      } catch (err) {
        (req.log ?? deps.logger).error({ err, callId }, 'hangup through Twilio failed');
        throw new HttpError(502, 'We could not reach our phone provider to hang up. The call still ends at its time limit; try again.');
      }
      if (!call) throw new HttpError(404, 'This call was not found.');
      if (isHtmx(req)) res.render('partials/call-status', await statusView(call, res));
      else res.redirect(303, `/calls/${call.id}`);
    },

    /** GET /calls/:id: the call's page, with its live status, timeline and cost. */
    async show(req: Request, res: Response): Promise<void> {
      // The page tells the call's story from its facts; the raw events are the admin page's.
      const call = await deps.calls.find(req.user!.id, String(req.params.id));
      if (!call) throw new HttpError(404, 'This call was not found.');
      const status = await statusView(call, res);
      const contact = deps.contactNames ? (await deps.contactNames(req, [call.toE164])).get(call.toE164) : undefined;
      res.render('pages/call', {
        title: `Call to ${contact?.name ?? status.to}`,
        contact: contact ? { name: contact.name, href: `/contacts/${contact.contactId}` } : undefined,
        call,
        startedAt: call.createdAt.slice(0, 16).replace('T', ' '),
        status,
        timeline: humanTimeline(call),
        rawEvents: req.user!.role === 'admin' ? `/admin/calls/${call.id}` : null,
        breakdown: breakdownView(call, deps.currency),
        callAgain: isFinal(call.status) ? callAgainHref(call) : null,
      });
    },
  };
}
