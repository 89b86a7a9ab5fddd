import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-errors.js';
import type { TokenRateLimiter } from './rate-limit.js';
import type { TokenScope } from './tokens-repository.js';
import type { TokensService } from './tokens-service.js';
import type {} from './api-request.js';

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;
const CHALLENGE = 'Bearer realm="callbridge"';

/** Bearer token check, then the token's rate limit: no session, no cookie, one indexed read. */
export function bearerAuth(deps: { tokens: TokensService; limiter: TokenRateLimiter }) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (!header) throw new ApiError('missing_token', undefined, { 'WWW-Authenticate': CHALLENGE });
    const presented = BEARER.exec(header)?.[1];
    if (!presented) throw new ApiError('missing_token', 'The Authorization header must be "Bearer <token>".', { 'WWW-Authenticate': CHALLENGE });
    const auth = await deps.tokens.authenticate(presented);
    if (!auth.ok) throw new ApiError(auth.reason, undefined, { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` });
    const decision = deps.limiter.take(auth.owner.token.id);
    res.setHeader('RateLimit-Limit', String(deps.limiter.options.limit));
    res.setHeader('RateLimit-Reset', String(Math.ceil(decision.resetMs / 1000)));
    if (!decision.ok) {
      res.setHeader('RateLimit-Remaining', '0');
      throw new ApiError('rate_limited', undefined, { 'Retry-After': String(decision.retryAfterS) });
    }
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    req.apiCaller = auth.owner;
    next();
  };
}

export function requireScope(scope: TokenScope) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.apiCaller?.token.scope !== scope) throw new ApiError('insufficient_scope');
    next();
  };
}

/** POST bodies must be JSON when there is one; an empty body reads as {}. */
export function jsonBodyOnly(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) throw new ApiError('unsupported_media_type');
  next();
}
