import { Router } from 'express';
import { notFound } from './errors.js';
import { field, requestOrigin } from './rest-common.js';
import type { VerifyService } from './verify.js';

/** Verify v2: Verifications (create, fetch, update) and VerificationCheck, for the simulator's one service. */
export function verifyRouter(service: VerifyService): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const base = '/v2/Services/:serviceSid';

  router.use(base, (req, _res, next) => {
    if (req.params.serviceSid !== service.serviceSid) throw notFound(req.originalUrl.split('?')[0]!);
    next();
  });

  router.post(`${base}/Verifications`, (req, res) => {
    const body = req.body as Record<string, unknown>;
    const v = service.start(field(body, 'To'), field(body, 'Channel'), field(body, 'CustomCode'));
    res.status(201).json(service.json(v, requestOrigin(req)));
  });

  router.get(`${base}/Verifications/:sid`, (req, res) => {
    const v = service.fetch(String(req.params.sid));
    if (!v) throw notFound(req.originalUrl);
    res.json(service.json(v, requestOrigin(req)));
  });

  router.post(`${base}/Verifications/:sid`, (req, res) => {
    const v = service.update(String(req.params.sid), field(req.body as Record<string, unknown>, 'Status'));
    if (!v) throw notFound(req.originalUrl);
    res.json(service.json(v, requestOrigin(req)));
  });

  router.post(`${base}/VerificationCheck`, (req, res) => {
    const body = req.body as Record<string, unknown>;
    const v = service.check(field(body, 'To'), field(body, 'VerificationSid'), field(body, 'Code'));
    if (!v) throw notFound(`/Services/${service.serviceSid}/VerificationCheck`);
    // The spec lists 200 and 201; 200 here (unverified which one Twilio sends).
    res.status(200).json(service.checkJson(v));
  });

  return router;
}
