import type { NextFunction, Request, Response } from 'express';

/**
 * Text no form field, id or query ever needs: NUL (PostgreSQL refuses it in text, a 500 deep inside a query) and
 * UTF-16 lone surrogates (what invalid UTF-8 or a bad \ud800 JSON escape becomes; they cannot be stored or encoded
 * back). Refused once at the edge, the same on both engines, instead of by each handler.
 */
// eslint-disable-next-line no-control-regex
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasBadText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return BAD_TEXT.test(value);
  if (depth > 8 || value === null || typeof value !== 'object') return false;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (BAD_TEXT.test(key) || hasBadText(inner, depth + 1)) return true;
  }
  return false;
}

/** The path as its route params will read: each segment percent-decoded; undefined if one is not valid UTF-8. */
function decodedPathHasBadText(path: string): boolean {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true; // not valid percent-encoded UTF-8
    }
    if (BAD_TEXT.test(decoded)) return true;
  }
  return false;
}

export type BadInputAnswer = (req: Request, res: Response, where: 'path' | 'query' | 'body') => void;

/** Plain answer: JSON for the API, a short page otherwise (a form never produces such text, so no form is re-shown). */
export const answerBadInput: BadInputAnswer = (req, res, where) => {
  const message = `The request's ${where} contains characters we cannot accept (a NUL byte or invalid UTF-8).`;
  res.status(400);
  if (req.path.startsWith('/api/')) res.json({ error: { code: 'invalid_request', message } });
  else res.type('text/plain').send(message);
};

/** Checks the path and query (before routing) and the parsed body, whenever it runs. */
export function refuseBadText(answer: BadInputAnswer = answerBadInput) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (decodedPathHasBadText(req.path)) return answer(req, res, 'path');
    if (hasBadText(req.query)) return answer(req, res, 'query');
    if (req.body !== undefined && hasBadText(req.body)) return answer(req, res, 'body');
    next();
  };
}
