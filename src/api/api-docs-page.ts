import type { Request, Response } from 'express';
import { API_ERRORS } from './api-errors.js';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_S } from './webhooks/webhook-signing.js';

/** GET /api: a short human guide with curl examples; the contract itself is /api/v1/openapi.json. */
export function apiDocsPage(publicUrl: string) {
  const base = `${publicUrl.replace(/\/$/, '')}/api/v1`;
  const errors = Object.entries(API_ERRORS).map(([code, e]) => ({ code, status: e.status, message: e.message }));
  return (_req: Request, res: Response) => {
    res.render('pages/api', { title: 'API', base, errors, signatureHeader: SIGNATURE_HEADER, toleranceS: SIGNATURE_TOLERANCE_S });
  };
}
