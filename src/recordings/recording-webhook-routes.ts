import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { whisperTwiml } from '../calls/call-twiml.js';
import { requireTwilioSignature } from '../calls/webhook-routes.js';
import { callIdInUrl } from '../http/call-log-context.js';
import { recordingCallbackParams, type RecordingsService } from './recordings-service.js';

/**
 * Twilio's requests about recordings, signed like every other webhook (mounted at /twilio before sessions): the
 * whisper the destination hears on answering, and the recording status callback.
 */
export function recordingWebhooks(deps: { recordings: RecordingsService; authToken: string | undefined; publicUrl: string; logger: Logger }): Router {
  const router = express.Router();
  router.use('/calls/:id/whisper', express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 100 }), requireTwilioSignature(deps));
  router.use('/calls/:id/recording', express.urlencoded({ extended: false, limit: '20kb', parameterLimit: 100 }), requireTwilioSignature(deps));
  router.post('/calls/:id/whisper', async (_req, res) => {
    res.type('text/xml').send(whisperTwiml(await deps.recordings.calleeNotice()));
  });
  router.post('/calls/:id/recording', async (req, res) => {
    const params = recordingCallbackParams((req.body ?? {}) as Record<string, unknown>);
    if (!params) {
      deps.logger.warn({ callId: callIdInUrl(req.originalUrl) }, 'recording callback with missing or malformed parameters');
      return void res.status(400).type('text/plain').send('Bad recording callback: CallSid, RecordingSid and RecordingStatus are required.');
    }
    try {
      await deps.recordings.onCallback(String(req.params.id), params);
      res.status(204).end();
    } catch (err) {
      deps.logger.error({ err, callId: callIdInUrl(req.originalUrl) }, 'recording callback failed');
      res.status(500).type('text/plain').send('Webhook failed.');
    }
  });
  return router;
}
