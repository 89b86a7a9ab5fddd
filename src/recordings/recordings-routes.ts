import type { PayingAccountOf } from '../accounts/request-paying-account.js';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { parseIdParam } from '../http/id-param.js';
import { formatRate } from '../money/currency.js';
import { formatMicros } from '../money/micros.js';
import { sendRecordingMedia } from './recording-media.js';
import { megabytes, recordingPanel } from './recording-view.js';
import { parseSettingsForm, type RecordingSettings } from './recording-settings.js';
import type { RecordingsService } from './recordings-service.js';

export interface RecordingsRoutesDeps {
  recordings: RecordingsService;
  currency: string;
  /** The account this request pays from, resolved once per request (src/accounts/request-paying-account.ts). */
  payingAccountOf?: PayingAccountOf;
}

const NOT_FOUND = 'This recording was not found.';
const NO_TEAM = 'There is no such team among yours.';

/** The history page's players: the recording panel of each listed call that has one. */
export function recordingRowExtras(recordings: RecordingsService, currency: string) {
  return async (userId: number, callIds: string[]): Promise<Map<string, object>> => {
    const found = await recordings.forCalls(userId, callIds);
    return new Map(found.map((rec) => [rec.callId, { recording: recordingPanel(rec, currency) }]));
  };
}

/** The user's side of recordings (opt-in, player, media, delete) and the admin's settings page. */
export function recordingsRoutes(deps: RecordingsRoutesDeps) {
  const { recordings } = deps;
  const callId = (req: Request) => String(req.params.id);

  async function outlookView(userId: number, remembered?: number | null, accountId?: number) {
    const o = accountId === undefined ? await recordings.outlook(userId, remembered) : await recordings.outlookFrom(userId, accountId);
    return { ...o, used: megabytes(o.usedBytes), quota: megabytes(o.quotaBytes) };
  }

  return {
    /** Adds the recording outlook of the user's next call (from the account they pay from) to the dial page. */
    async exposeOutlook(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (req.user) res.locals.recordingOutlook = await outlookView(req.user.id, req.user.payingAccountId, deps.payingAccountOf ? (await deps.payingAccountOf(req)).accountId : undefined);
      next();
    },
    /** The account page's card: the user's own preference and their personal quota (null: no remembered team). */
    async exposePersonalOutlook(req: Request, res: Response, next: NextFunction): Promise<void> {
      if (req.user) res.locals.recordingOutlook = await outlookView(req.user.id, null);
      next();
    },

    /** POST /account/recording: `record` = "on" turns recording of the user's calls on, anything else off. */
    async setPreference(req: Request, res: Response): Promise<void> {
      const on = (req.body as Record<string, unknown> | undefined)?.record === 'on';
      await recordings.setPreference(req.user!.id, on);
      const outlook = await recordings.outlook(req.user!.id, null);
      const message = !on ? 'Your calls are no longer recorded.'
        : outlook.overQuota ? `Recording is on, but your recordings already use ${megabytes(outlook.usedBytes)} of your ${megabytes(outlook.quotaBytes)}: delete some so new calls can be recorded.`
          : 'Your calls will be recorded. Both parties hear a notice first.';
      flash(req, outlook.overQuota && on ? 'error' : 'success', message);
      res.redirect(303, '/account#recording');
    },

    /** Adds the call's recording panel to its page (res.locals.recordingPanel), if it has one. */
    async exposePanel(req: Request, res: Response, next: NextFunction): Promise<void> {
      const rec = await recordings.forCall(req.user!.id, callId(req));
      if (rec) res.locals.recordingPanel = recordingPanel(rec, deps.currency);
      next();
    },

    /** GET /calls/:id/recording/panel: the fragment the panel polls while Twilio processes the recording. */
    async panel(req: Request, res: Response): Promise<void> {
      const rec = await recordings.forCall(req.user!.id, callId(req));
      if (!rec) throw new HttpError(404, NOT_FOUND);
      res.render('partials/recording-panel', { ...recordingPanel(rec, deps.currency) });
    },

    /** GET /calls/:id/recording: the audio, through the user's session, seekable (HTTP Range); ?download=1 saves it. */
    async media(req: Request, res: Response): Promise<void> {
      const media = await recordings.media(req.user!.id, callId(req));
      if (!media) throw new HttpError(404, NOT_FOUND);
      if ((await sendRecordingMedia(req, res, media)) === 'unsatisfiable') throw new HttpError(416, 'That part of the recording does not exist.');
    },

    /** GET /teams/:id/recordings: the team's recorded calls (owners and admins: all; a member: their own). */
    async teamRecordings(req: Request, res: Response): Promise<void> {
      const teamId = parseIdParam(req.params.id, NO_TEAM);
      const list = await recordings.forAccount(req.user!.id, teamId);
      if (!list) throw new HttpError(404, NO_TEAM);
      res.render('pages/team-recordings', {
        title: 'Team recordings', teamId,
        recordings: list.map((rec) => ({ ...recordingPanel(rec, deps.currency), callerName: rec.callerName, to: rec.toE164, at: rec.createdAt.slice(0, 16).replace('T', ' ') })),
      });
    },

    /** GET /calls/:id/recording/delete: asks first. */
    async confirmDelete(req: Request, res: Response): Promise<void> {
      const rec = await recordings.forCall(req.user!.id, callId(req));
      if (!rec || rec.status !== 'stored') throw new HttpError(404, NOT_FOUND);
      res.render('pages/recording-delete', { title: 'Delete this recording?', recording: recordingPanel(rec, deps.currency) });
    },

    /** POST /calls/:id/recording/delete: the file is removed at once. */
    async delete(req: Request, res: Response): Promise<void> {
      const outcome = await recordings.deleteByUser(req.user!.id, callId(req));
      if (outcome === 'not-found') throw new HttpError(404, NOT_FOUND);
      flash(req, outcome === 'deleted' ? 'success' : 'error', outcome === 'deleted' ? 'The recording was deleted.' : 'Only a stored recording can be deleted.');
      res.redirect(303, `/calls/${callId(req)}`);
    },

    /** GET /admin/recordings */
    async showSettings(_req: Request, res: Response): Promise<void> {
      res.render('pages/admin-recordings', { title: 'Recording settings', form: settingsForm(await recordings.settings()), errors: {} });
    },

    /** POST /admin/recordings: all fields at once, or nothing (with each bad field named). */
    async saveSettings(req: Request, res: Response): Promise<void> {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const parsed = parseSettingsForm(body);
      if (!parsed.ok) {
        res.status(422).render('pages/admin-recordings', { title: 'Recording settings', form: body, errors: parsed.errors });
        return;
      }
      await recordings.saveSettings(parsed.settings, req.user!.id);
      flash(req, 'success', 'Recording settings saved.');
      res.redirect(303, '/admin/recordings');
    },
  };

  function settingsForm(s: RecordingSettings) {
    return {
      callerNotice: s.callerNotice, calleeNotice: s.calleeNotice, retentionDays: String(s.retentionDays),
      ratePerMin: formatMicros(s.ratePerMinMicros, 2), quotaMb: String(Math.round(s.quotaBytes / (1024 * 1024))),
      rateShown: formatRate(s.ratePerMinMicros, deps.currency),
    };
  }
}
