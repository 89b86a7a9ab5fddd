import type { CallsHistory } from '../calls/history-repository.js';
import { callInAccount } from './api-account.js';
import type { Request, Response } from 'express';
import { sendRecordingMedia } from '../recordings/recording-media.js';
import type { RecordingRecord } from '../recordings/recordings-repository.js';
import type { RecordingsService } from '../recordings/recordings-service.js';
import { ApiError } from './api-errors.js';

/** A call's recording as the API shows it: never a Twilio URL, only ours (the media needs the same token). */
function show(rec: RecordingRecord, publicUrl: string) {
  return {
    id: rec.id,
    call_id: rec.callId,
    status: rec.status,
    duration_seconds: rec.durationS,
    channels: rec.channels,
    bytes: rec.bytes,
    charged_micros: rec.chargedMicros,
    error_code: rec.errorCode,
    created_at: rec.createdAt,
    stored_at: rec.storedAt,
    deleted_at: rec.deletedAt,
    media_url: rec.status === 'stored' ? `${publicUrl}/api/v1/calls/${rec.callId}/recording/media` : null,
  };
}

/** GET /calls/:id/recordings (a list of at most one), /calls/:id/recording and its media, for the owning account's token. */
export function apiRecordingHandlers(deps: { recordings: RecordingsService; publicUrl: string; history: Pick<CallsHistory, 'findForUser'> }) {
  const userId = (req: Request) => req.apiCaller!.user.id;
  // The call must be the token's account's: another account's call is a 404 like a missing one.
  const inAccount = async (req: Request) => {
    const call = await deps.history.findForUser(userId(req), String(req.params.id));
    return !call || callInAccount(req, call);
  };
  return {
    async list(req: Request, res: Response) {
      if (!(await inAccount(req))) throw new ApiError('not_found', 'You have no call with this id.');
      const rec = await deps.recordings.forCall(userId(req), String(req.params.id));
      // Another account's call is a 404 like a missing one, not an empty list that would confirm it exists.
      if (!rec && !(await deps.recordings.ownsCall(userId(req), String(req.params.id)))) throw new ApiError('not_found', 'You have no call with this id.');
      res.json({ recordings: rec ? [show(rec, deps.publicUrl)] : [] });
    },
    async get(req: Request, res: Response) {
      if (!(await inAccount(req))) throw new ApiError('not_found', 'This call has no recording you can see.');
      const rec = await deps.recordings.forCall(userId(req), String(req.params.id));
      if (!rec) throw new ApiError('not_found', 'This call has no recording you can see.');
      res.json(show(rec, deps.publicUrl));
    },
    async media(req: Request, res: Response) {
      if (!(await inAccount(req))) throw new ApiError('not_found', 'This call has no stored recording you can see.');
      const media = await deps.recordings.media(userId(req), String(req.params.id));
      if (!media) throw new ApiError('not_found', 'This call has no stored recording you can see.');
      if ((await sendRecordingMedia(req, res, media)) === 'unsatisfiable') res.status(416).end();
    },
  };
}
