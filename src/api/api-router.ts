import { ApiError } from './api-errors.js';
import { refuseBadText } from '../http/input-edges.js';
import { compressResponses } from '../http/compress-responses.js';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { CallsService } from '../calls/calls-service.js';
import { CALL_STATUSES, type CallsHistory } from '../calls/history-repository.js';
import type { MoneyServices } from '../calls/money-services.js';
import { apiCallHandlers } from './api-calls.js';
import { apiContactHandlers } from './api-contacts.js';
import type { ContactsService } from '../contacts/contacts-service.js';
import { apiRecordingHandlers } from './api-recordings.js';
import type { RecordingsService } from '../recordings/recordings-service.js';
import { bearerAuth, jsonBodyOnly, requireScope } from './api-auth.js';
import { apiErrorHandler, apiNotFound } from './api-errors.js';
import { apiMoneyHandlers } from './api-handlers.js';
import { apiRequestLog } from './api-http.js';
import type { ApiServices } from './api-services.js';
import { openApiDocument } from './openapi.js';

export interface ApiRouterDeps {
  api: ApiServices;
  money: MoneyServices;
  calls: CallsService;
  history: CallsHistory;
  contacts: ContactsService;
  logger: Logger;
  publicUrl: string;
  freeMinutesPerMonth: number;
  /** A call's recording (metadata and media); absent: no recording routes. */
  recordings?: RecordingsService | undefined;
}

/**
 * The JSON API's route table, mounted at /api/v1 before sessions and CSRF: a bearer token, not a cookie, says who
 * calls. Authentication is per route, so an unknown address is a 404 with or without a token.
 */
export function apiRouter(deps: ApiRouterDeps): Router {
  const router = express.Router();
  const auth = bearerAuth({ tokens: deps.api.tokens, limiter: deps.api.limiter });
  const money = apiMoneyHandlers({ money: deps.money, freeMinutesPerMonth: deps.freeMinutesPerMonth });
  const calls = apiCallHandlers({ calls: deps.calls, history: deps.history, idempotency: deps.api.idempotency, publicUrl: deps.publicUrl, currency: deps.money.currency });
  const contacts = apiContactHandlers({ contacts: deps.contacts, publicUrl: deps.publicUrl });
  const document = openApiDocument(deps.publicUrl, CALL_STATUSES);
  const placeCalls = requireScope('calls');

  // Only the POSTs read a body (after the token and scope checks); the GET poll path has no parser layer at all.
  const jsonBody = [
    jsonBodyOnly,
    express.json({ limit: '16kb', strict: true }),
    refuseBadText(() => {
      throw new ApiError('invalid_request', 'The request body contains characters we cannot accept (a NUL or an unpaired \\ud800-style escape).');
    }),
  ];

  router.use(apiRequestLog(deps.logger));
  router.get('/openapi.json', compressResponses(), (_req, res) => void res.json(document));
  router.get('/rates', auth, money.rates);
  router.get('/wallet', auth, money.wallet);
  router.post('/calls', auth, placeCalls, ...jsonBody, calls.start);
  router.get('/calls', auth, calls.list);
  router.get('/calls/:id', auth, calls.get);
  router.post('/calls/:id/hangup', auth, placeCalls, ...jsonBody, calls.hangup);
  router.get('/contacts', auth, contacts.list);
  router.post('/contacts', auth, ...jsonBody, contacts.create);
  router.get('/contacts/:id', auth, contacts.get);
  router.delete('/contacts/:id', auth, contacts.remove);
  if (deps.recordings) {
    const recordings = apiRecordingHandlers({ recordings: deps.recordings, publicUrl: deps.publicUrl, history: deps.history });
    router.get('/calls/:id/recordings', auth, recordings.list);
    router.get('/calls/:id/recording', auth, recordings.get);
    router.get('/calls/:id/recording/media', auth, recordings.media);
  }
  router.use(apiNotFound);
  router.use(apiErrorHandler(deps.logger));
  return router;
}
